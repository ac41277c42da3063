"""A strategy's `shutdown` time bounds every wait of a supervisor for a child instance it
stops (a restart's, a give-up's, a decider's "stop"), as an OTP child spec's `shutdown` does:
past it the child's work is cut, and the supervisor goes on (API 9, "Supervision")."""

from __future__ import annotations

import asyncio
import logging
import math
from typing import Any

import pytest

from actorkit import (
    ActorStopped,
    ActorSystem,
    ChildSpec,
    OneForAll,
    OneForOne,
    RestForOne,
    Supervisor,
    Terminated,
)
from actorkit.testing import Probe, snapshot

from .otp_conformance_support import Watcher
from .supervision_support import Worker

BOUND = 0.05


class Hanging(Worker):
    """Its "hang" handler waits for an event nobody sets; so does `on_stop`, `hangs` times."""

    hangs = 0

    async def receive(self, message: Any) -> Any:
        if message == "hang":
            self.journal.append(f"hangs {self.label}")
            await asyncio.Event().wait()
        if message == "time out inside":  # a handler's own timeout still works after a cut
            try:
                async with asyncio.timeout(0.001):
                    await asyncio.Event().wait()
            except TimeoutError:
                return "timed out"
        return await super().receive(message)

    async def on_stop(self) -> None:
        await super().on_stop()
        if type(self).hangs:
            type(self).hangs -= 1
            await asyncio.Event().wait()


class HangingOnStop(Hanging):
    """Its first `on_stop` never returns (`hangs = 1` in each test)."""


class HangingParent(Hanging):
    """A `Hanging` child with a child of its own whose first `on_stop` never returns."""

    async def on_start(self) -> None:
        await super().on_start()
        await self.spawn(HangingOnStop, self.journal, "grandchild", name="g")


class Swallowing(Worker):
    """Its "hang" handler swallows the cancellation that cuts it: `then` says what next."""

    then = "return"

    async def receive(self, message: Any) -> Any:
        if message == "hang":
            self.journal.append(f"hangs {self.label}")
            try:
                await asyncio.Event().wait()
            except asyncio.CancelledError:
                self.journal.append(f"swallowed {self.label}")
                if self.then == "raise":
                    raise RuntimeError("cleanup failed") from None
                if self.then == "hang":
                    await asyncio.Event().wait()
            return "returned"
        if message == "foreign cancel":  # a failure, unless a cancellation is left pending
            cancelled = asyncio.get_running_loop().create_future()
            cancelled.cancel()
            await cancelled
        return await super().receive(message)


async def _children(system: ActorSystem, sup: Any, *names: str) -> list[Any]:
    refs = [system.lookup(f"{sup.path}/{name}") for name in names]
    assert all(ref is not None for ref in refs)
    return refs


async def _hung(journal: list[str], entry: str) -> None:
    """Until `entry` is in the journal (a handler began to hang): yields, never sleeps."""
    while entry not in journal:
        await asyncio.sleep(0)


async def _pair(system: ActorSystem, journal: list[str], cls: type, strategy: Any) -> Any:
    """A supervisor under `strategy` of a `Worker` "a" and a `cls` "b", started in that order."""
    sup = await system.spawn(
        Supervisor,
        [ChildSpec(Worker, journal, "a", name="a"), ChildSpec(cls, journal, "b", name="b")],
        strategy,
    )
    a, b = await _children(system, sup, "a", "b")
    return sup, a, b


async def _cut_b(
    system: ActorSystem, journal: list[str], cls: type, strategy: Any, watcher: Any = None
) -> Any:
    """A supervisor of a `Worker` "a" and a `cls` "b" under `strategy`: "b" hangs in a handler
    (`watcher` watching it first, if given), "a" fails, and the cut answers the hung ask."""
    sup, a, b = await _pair(system, journal, cls, strategy)
    if watcher is not None:
        await watcher.ask(b)
    await _cut_while_hanging(journal, a, b)
    return sup, a, b


async def _cut_while_hanging(journal: list[str], a: Any, b: Any) -> None:
    """ "b" hangs in a handler, "a" fails, and the cut answers the hung ask."""
    cut = asyncio.create_task(b.ask("hang"))
    await _hung(journal, "hangs b")
    a.tell("crash")
    with pytest.raises(ActorStopped, match="shutdown time"):
        await cut


async def test_a_one_for_all_restart_cuts_a_sibling_s_handler_past_the_shutdown_time(
    caplog: pytest.LogCaptureFixture,
) -> None:
    journal: list[str] = []
    async with asyncio.timeout(5), ActorSystem() as system:
        sup, a, b = await _pair(system, journal, Hanging, OneForAll(shutdown=BOUND))
        cut = asyncio.create_task(b.ask("hang"))
        await _hung(journal, "hangs b")
        queued = [asyncio.create_task(b.ask(n)) for n in range(3)]
        await asyncio.sleep(0)
        with caplog.at_level(logging.WARNING, logger="actorkit"):
            a.tell("crash")
            with pytest.raises(ActorStopped, match="shutdown time"):
                await cut
            assert [await ask for ask in queued] == [0, 1, 2]  # by the new instance
        assert await b.ask("handled") == 3
        assert journal == ["start a", "start b", "hangs b", "stop a", "start a", "start b"]
        assert await b.ask("time out inside") == "timed out"
        assert system.lookup(f"{sup.path}/b") == b  # the same cell, restarted
        assert snapshot(b).restarts == 1
        accounting = snapshot(b).accounting
        assert accounting.balanced and accounting.crashed == 1
        cuts = [r for r in caplog.records if "shutdown time" in r.getMessage()]
        assert [r.levelno for r in cuts if r.levelno == logging.WARNING] == [logging.WARNING]
        assert f"{sup.path}/b" in cuts[0].getMessage() and "0.05" in cuts[0].getMessage()


async def test_a_hanging_on_stop_of_a_sibling_is_cut_and_the_restart_goes_on() -> None:
    journal: list[str] = []
    HangingOnStop.hangs = 1
    async with asyncio.timeout(5), ActorSystem() as system:
        _sup, a, b = await _pair(system, journal, HangingOnStop, OneForAll(shutdown=BOUND))
        assert await b.ask(1) == 1
        a.tell("crash")
        assert await a.ask("handled") == 0  # once restarted, b was stopped before it
        assert await b.ask("handled") == 0  # a new instance
        assert HangingOnStop.hangs == 0
        assert journal == ["start a", "start b", "stop b", "stop a", "start a", "start b"]


async def test_rest_for_one_cuts_only_the_children_after_the_failed_one() -> None:
    journal: list[str] = []
    async with asyncio.timeout(5), ActorSystem() as system:
        sup = await system.spawn(
            Supervisor,
            [
                ChildSpec(Worker, journal, "a", name="a"),
                ChildSpec(Worker, journal, "b", name="b"),
                ChildSpec(Hanging, journal, "c", name="c"),
            ],
            RestForOne(shutdown=BOUND),
        )
        a, b, c = await _children(system, sup, "a", "b", "c")
        assert await a.ask(7) == 7
        cut = asyncio.create_task(c.ask("hang"))
        await _hung(journal, "hangs c")
        b.tell("crash")
        with pytest.raises(ActorStopped, match="shutdown time"):
            await cut
        assert await c.ask("handled") == 0
        assert await a.ask("handled") == 1  # untouched
        assert journal == [
            "start a",
            "start b",
            "start c",
            "hangs c",
            "stop b",
            "start b",
            "start c",
        ]


async def test_one_for_one_cuts_the_failed_child_s_own_hanging_on_stop() -> None:
    journal: list[str] = []
    HangingOnStop.hangs = 1
    async with asyncio.timeout(5), ActorSystem() as system:
        sup = await system.spawn(
            Supervisor, [ChildSpec(HangingOnStop, journal, "a", name="a")], OneForOne(shutdown=0.05)
        )
        (a,) = await _children(system, sup, "a")
        a.tell("crash")
        assert await a.ask("handled") == 0
        assert journal == ["start a", "stop a", "start a"]
        assert snapshot(a).accounting.balanced


async def test_a_give_up_cuts_a_hanging_child_and_the_supervisor_fails() -> None:
    journal: list[str] = []
    async with asyncio.timeout(5), ActorSystem() as system:
        probe = await Probe.spawn(system)
        watcher = await system.spawn(Watcher, probe.ref)
        _sup, a, b = await _pair(
            system, journal, Hanging, OneForOne(max_restarts=0, shutdown=BOUND)
        )
        await watcher.ask(b)
        await _cut_while_hanging(journal, a, b)
        ended = await probe.receive()
        assert isinstance(ended, Terminated) and ended.ref == b
        assert ended.reason is None  # stopped by its supervisor: it did not fail
        assert "stop b" not in journal  # cut: its on_stop never ran
        assert "stop a" in journal


async def test_a_decider_stop_cuts_a_hanging_on_stop_and_the_supervisor_goes_on() -> None:
    journal: list[str] = []
    HangingOnStop.hangs = 1
    async with asyncio.timeout(5), ActorSystem() as system:
        probe = await Probe.spawn(system)
        watcher = await system.spawn(Watcher, probe.ref)
        sup = await system.spawn(
            Supervisor,
            [
                ChildSpec(HangingOnStop, journal, "a", name="a"),
                ChildSpec(Worker, journal, "b", name="b"),
            ],
            OneForOne(decider={ValueError: "stop"}, shutdown=BOUND),
        )
        a, b = await _children(system, sup, "a", "b")
        await watcher.ask(a)
        a.tell(ValueError("stop it"))
        ended = await probe.receive()
        assert isinstance(ended, Terminated) and ended.ref == a
        assert isinstance(ended.reason, ValueError)
        assert await b.ask(5) == 5
        assert system.lookup(f"{sup.path}/a") is None
        assert journal == ["start a", "start b", "stop a"]


async def test_shutdown_zero_does_not_wait_even_for_an_idle_sibling_s_on_stop() -> None:
    """OTP's `brutal_kill`: no `on_stop` (terminate) for the siblings it stops."""
    journal: list[str] = []
    async with asyncio.timeout(5), ActorSystem() as system:
        _sup, a, b = await _pair(system, journal, Worker, OneForAll(shutdown=0))
        assert await b.ask(1) == 1
        a.tell("crash")
        await asyncio.sleep(0)
        assert await a.ask("handled") == 0
        assert await b.ask("handled") == 0
        assert journal == ["start a", "start b", "start a", "start b"]


async def test_shutdown_none_waits_as_long_as_it_takes() -> None:
    journal: list[str] = []
    assert OneForAll().shutdown is None
    gate = asyncio.Event()

    class Gated(Worker):
        async def receive(self, message: Any) -> Any:
            if message == "hold":
                journal.append("holds")
                await gate.wait()
                return "held"
            return await super().receive(message)

    async with asyncio.timeout(5), ActorSystem() as system:
        _sup, a, b = await _pair(system, journal, Gated, OneForAll())
        held = asyncio.create_task(b.ask("hold"))
        await _hung(journal, "holds")
        a.tell("crash")
        with pytest.raises(TimeoutError):  # twice the bound passes, and the handler is not cut
            await asyncio.wait_for(asyncio.shield(held), 2 * BOUND)
        assert journal == ["start a", "start b", "holds"]
        gate.set()
        assert await held == "held"
        assert await b.ask("handled") == 0


@pytest.mark.parametrize(
    ("value", "error"),
    [
        (-1, ValueError),
        (math.nan, ValueError),
        (math.inf, ValueError),
        ("5", TypeError),
        (True, TypeError),
    ],
)
def test_a_bad_shutdown_time_is_refused(value: object, error: type[Exception]) -> None:
    with pytest.raises(error, match="shutdown"):
        OneForAll(shutdown=value)  # type: ignore[arg-type]


def test_a_shutdown_time_is_keyword_only_and_kept_exact() -> None:
    assert OneForOne(shutdown=0).shutdown == 0
    assert RestForOne(shutdown=2).shutdown == 2
    with pytest.raises(TypeError):
        OneForAll(3, 5.0, None, 1.0)  # type: ignore[call-arg, arg-type]


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
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Nothing makes it return: past the forced stop's grace the supervisor closes it for
    good (its watchers are told) and restarts the others."""
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
