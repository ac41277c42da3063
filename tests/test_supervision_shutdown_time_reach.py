"""How far a supervisor's cut reaches: a handler that swallows it is restarted on the same cell,
or stopped past a second bound if it hangs on; the children of a cut instance, a child an
escalation stops and a child supervisor stuck in a restart of its own are all cut within the
bound."""

from __future__ import annotations

import asyncio

import pytest

from actorkit import (
    ActorStopped,
    ActorSystem,
    ChildSpec,
    OneForAll,
    OneForOne,
    Supervisor,
    Terminated,
)
from actorkit.testing import Probe, snapshot

from .otp_conformance_support import Watcher
from .supervision_cut_support import (
    BOUND,
    HangingOnStop,
    HangingParent,
    Swallowing,
    _children,
    _cut_b,
    _cut_while_hanging,
    _hung,
    _pair,
)
from .supervision_support import Worker


@pytest.mark.parametrize("then", ["return", "raise"])
async def test_a_handler_that_swallows_the_cut_is_restarted_on_the_same_cell(
    then: str, caplog: pytest.LogCaptureFixture
) -> None:
    journal: list[str] = []
    Swallowing.then = then
    async with asyncio.timeout(5), ActorSystem() as system:
        _sup, a, b = await _pair(system, journal, Swallowing, OneForAll(shutdown=BOUND))
        cut = asyncio.create_task(b.ask("hang"))
        await _hung(journal, "hangs b")
        queued = asyncio.create_task(b.ask(1))
        a.tell("crash")
        with pytest.raises(ActorStopped, match="shutdown time"):
            await cut
        assert await queued == 1
        assert await b.ask("handled") == 1
        with pytest.raises(RuntimeError, match="CancelledError escape"):
            await b.ask("foreign cancel")  # the cut's cancellation was taken back
        assert await b.ask("handled") == 0  # restarted after that failure, not stopped
        assert "swallowed b" in journal
        assert snapshot(b).accounting.balanced
        raised = [r.getMessage() for r in caplog.records if "cleanup failed" in r.getMessage()]
        if then == "raise":  # the cut instance's failure, which nobody decides on
            assert len(raised) == 1 and "restart (cut by its supervisor's shutdown" in raised[0]
        else:
            assert not raised


async def test_a_handler_that_swallows_the_cut_and_hangs_is_stopped_past_a_second_bound(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """Nothing makes it return: past the forced stop's grace the supervisor closes it for
    good (its watchers are told) and restarts the others. The message it held is reported
    as ending in that stop, not in the restart the supervisor meant."""
    monkeypatch.setattr("actorkit._cut.FORCED_STOP_GRACE", BOUND)
    journal: list[str] = []
    Swallowing.then = "hang"
    async with asyncio.timeout(5), ActorSystem() as system:
        probe = await Probe.spawn(system)
        watcher = await system.spawn(Watcher, probe.ref)
        sup, a, b = await _cut_b(system, journal, Swallowing, OneForAll(shutdown=BOUND), watcher)
        ended = await probe.receive()
        assert isinstance(ended, Terminated) and ended.ref == b
        assert await a.ask("handled") == 0  # the others restarted
        assert system.lookup(f"{sup.path}/b") is None
    b_path = f"{sup.path}/b"
    outcomes = [
        getattr(r, "directive", None)
        for r in caplog.records
        if getattr(r, "actor_path", "") == b_path
    ]
    assert outcomes == ["stop (cut by its supervisor's shutdown time)"], caplog.text


async def test_the_children_of_a_cut_instance_are_stopped_within_the_bound() -> None:
    journal: list[str] = []
    HangingOnStop.hangs = 1

    async with asyncio.timeout(5), ActorSystem() as system:
        sup, a, b = await _pair(system, journal, HangingParent, OneForAll(shutdown=BOUND))
        await _cut_while_hanging(journal, a, b)
        assert await b.ask("handled") == 0
        assert journal.count("start grandchild") == 2
        assert system.lookup(f"{sup.path}/b/g") is not None


async def test_an_escalation_cuts_the_child_it_stops_and_the_supervisor_fails() -> None:
    journal: list[str] = []
    HangingOnStop.hangs = 1
    async with asyncio.timeout(5), ActorSystem() as system:
        probe = await Probe.spawn(system)
        watcher = await system.spawn(Watcher, probe.ref)
        sup = await system.spawn(
            Supervisor,
            [ChildSpec(HangingOnStop, journal, "a", name="a")],
            OneForOne(decider={ValueError: "escalate"}, shutdown=BOUND),
        )
        (a,) = await _children(system, sup, "a")
        await watcher.ask(a)
        a.tell(ValueError("up"))
        ended = await probe.receive()
        assert isinstance(ended, Terminated) and ended.ref == a
        assert isinstance(ended.reason, ValueError)
        assert HangingOnStop.hangs == 0
        await _hung(journal, "stop a")  # its on_stop began, and was cut
        while journal.count("start a") < 2:  # the root restarts the supervisor that failed
            await asyncio.sleep(0)
        fresh = system.lookup(f"{sup.path}/a")
        assert fresh is not None and fresh != a
        assert await fresh.ask("handled") == 0


async def test_a_cut_reaches_a_child_supervisor_stuck_in_a_restart_of_its_own() -> None:
    """m waits without a bound for its child h's `on_stop`; the cut of m, past its own
    supervisor's bound, cuts that wait too, and h with it (m's children are stopped within
    the same bound)."""
    journal: list[str] = []
    HangingOnStop.hangs = 1
    async with asyncio.timeout(5), ActorSystem() as system:
        sup = await system.spawn(
            Supervisor,
            [
                ChildSpec(Worker, journal, "a", name="a"),
                ChildSpec(Supervisor, [ChildSpec(HangingOnStop, journal, "h", name="h")], name="m"),
            ],
            OneForAll(shutdown=BOUND),
        )
        a, m = await _children(system, sup, "a", "m")
        h = system.lookup(f"{m.path}/h")
        assert h is not None
        h.tell("crash")  # m restarts h, and waits for its on_stop for ever
        await _hung(journal, "stop h")
        a.tell("crash")
        assert await a.ask("handled") == 0
        fresh = system.lookup(f"{m.path}/h")
        while fresh is None or fresh == h:
            await asyncio.sleep(0)
            fresh = system.lookup(f"{m.path}/h")
        assert await fresh.ask("handled") == 0
        assert journal.count("start h") == 2
        assert snapshot(m).restarts == 1
