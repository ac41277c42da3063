"""Every stop a supervisor makes is bounded by its strategy's `shutdown` time, down the tree:
a give-up's stop of the child that failed, a restart's stop of a `temporary` sibling, the
children of an instance cut for good; and what a cut reports of the message it cut, and of a
cancellation its handler wrapped in a group (API 9, "Supervision")."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import pytest

from actorkit import ActorStopped, ActorSystem, ChildSpec, OneForAll, OneForOne, Supervisor
from actorkit.testing import Probe, snapshot

from .metrics_truth_support import scraped, total
from .otp_conformance_support import Watcher
from .supervision_cut_support import (
    BOUND,
    Hanging,
    HangingOnStop,
    HangingParent,
    _children,
    _cut_b,
    _cut_while_hanging,
    _hung,
)
from .supervision_support import Worker


async def _giving_up(system: ActorSystem, specs: list[ChildSpec]) -> tuple[Any, Probe]:
    """A `temporary` supervisor of `specs` that gives up at the first failure, stopping its
    children within `BOUND`, watched for its end (`_supervisor_ends`) through the probe."""
    probe = await Probe.spawn(system)
    watcher = await system.spawn(Watcher, probe.ref)
    sup = await system.spawn(
        Supervisor, specs, OneForOne(max_restarts=0, shutdown=BOUND), restart="temporary"
    )
    await watcher.ask(sup)
    return sup, probe


async def _supervisor_ends(sup: Any, probe: Probe) -> None:
    """Waits until the watcher tells `probe` that `sup` (a `temporary` child of the system,
    which no guardian restarts) terminated."""
    while True:
        ended = await probe.receive()
        if getattr(ended, "ref", None) == sup:
            return


async def test_a_give_up_cuts_the_failed_child_s_own_hanging_on_stop() -> None:
    """The child whose failure passed the intensity is stopped within the bound too: its
    `on_stop` hanging, the supervisor still gives up, and fails to its own parent."""
    journal: list[str] = []
    HangingOnStop.hangs = 1
    async with asyncio.timeout(5), ActorSystem() as system:
        sup, probe = await _giving_up(system, [ChildSpec(HangingOnStop, journal, "h", name="h")])
        (h,) = await _children(system, sup, "h")
        h.tell("crash")
        await _supervisor_ends(sup, probe)
        assert journal == ["start h", "stop h"]  # its on_stop began, and was cut


async def test_a_restart_cuts_a_hanging_temporary_sibling_and_stops_it_for_good() -> None:
    """A `temporary` sibling a restart takes is stopped, not restarted: that stop is bounded
    as the others' are, and the restart goes on."""
    journal: list[str] = []
    async with asyncio.timeout(5), ActorSystem() as system:
        sup = await system.spawn(
            Supervisor,
            [
                ChildSpec(Worker, journal, "a", name="a"),
                ChildSpec(Hanging, journal, "b", name="b", restart="temporary"),
            ],
            OneForAll(shutdown=BOUND),
        )
        a, b = await _children(system, sup, "a", "b")
        await _cut_while_hanging(journal, a, b)
        assert await a.ask("handled") == 0  # restarted
        assert system.lookup(f"{sup.path}/b") is None
        assert journal.count("start a") == 2 and "stop b" not in journal


async def test_the_children_of_an_instance_cut_for_good_are_stopped_within_the_bound() -> None:
    """A give-up cuts a hanging sibling for good: its own child, hanging in `on_stop`, is
    cut within the same bound, so the supervisor does fail."""
    journal: list[str] = []
    HangingOnStop.hangs = 1

    async with asyncio.timeout(5), ActorSystem() as system:
        sup, probe = await _giving_up(
            system,
            [
                ChildSpec(Worker, journal, "a", name="a"),
                ChildSpec(HangingParent, journal, "b", name="b"),
            ],
        )
        a, b = await _children(system, sup, "a", "b")
        await _cut_while_hanging(journal, a, b)
        await _supervisor_ends(sup, probe)
        assert "stop grandchild" in journal  # its on_stop began, and was cut
        assert system.lookup(f"{sup.path}/b/g") is None


async def test_a_cut_ask_is_reported_as_a_failure_handling_the_message_asked(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The failure a cut reports names what the handler had in hand, the message its asker
    sent, not the runtime's envelope around it."""
    caplog.set_level(logging.ERROR, logger="actorkit")
    journal: list[str] = []
    async with asyncio.timeout(5), ActorSystem() as system:
        await _cut_b(system, journal, Hanging, OneForAll(shutdown=BOUND))
        said = [r.getMessage() for r in caplog.records if "/b (Hanging) failed" in r.getMessage()]
        assert len(said) == 1, said
        assert "failed handling str: ActorStopped" in said[0]


class Wrapping(Worker):
    """Its "hang" handler wraps the cancellation that cuts it in a group, as a hand-made
    task group might."""

    async def receive(self, message: Any) -> Any:
        if message == "hang":
            self.journal.append(f"hangs {self.label}")
            try:
                await asyncio.Event().wait()
            except asyncio.CancelledError as cancelled:
                raise BaseExceptionGroup("cleanup", [cancelled]) from None
        return await super().receive(message)


async def test_a_cut_its_handler_wraps_in_a_group_is_still_the_cut() -> None:
    """A group of cancellations only, raised while the runtime's cancellation is under way,
    is that cancellation (README, 'What a failure is'): the instance failed by the cut, not by
    a group it raised."""
    journal: list[str] = []
    async with asyncio.timeout(5), ActorSystem() as system:
        _sup, _a, b = await _cut_b(system, journal, Wrapping, OneForAll(shutdown=BOUND))
        assert await b.ask("handled") == 0  # restarted
        samples = scraped(system)
        failed = "actorkit_actor_failures_total"
        assert total(samples, failed, actor_type="Wrapping", exception="ActorStopped") == 1
        assert total(samples, failed, actor_type="Wrapping") == 1


async def test_a_cut_comes_before_the_reports_its_instance_had_not_read() -> None:
    """A child of the hung instance failed meanwhile: its report waits behind the handler.
    The cut's end of the instance goes first, stopping that child with it, so the report
    restarts nothing the next instance would not start itself."""
    journal: list[str] = []

    class Parent(Hanging):
        async def on_start(self) -> None:
            await super().on_start()
            await self.spawn(Worker, journal, "g", name="g")

    async with asyncio.timeout(5), ActorSystem() as system:
        sup = await system.spawn(
            Supervisor,
            [
                ChildSpec(Worker, journal, "a", name="a"),
                ChildSpec(Parent, journal, "b", name="b"),
            ],
            OneForAll(shutdown=BOUND),
        )
        a, b = await _children(system, sup, "a", "b")
        (g,) = await _children(system, b, "g")
        cut = asyncio.create_task(b.ask("hang"))
        await _hung(journal, "hangs b")
        g.tell("crash")
        while snapshot(b).signals == 0:  # its report queued at b: yields, never sleeps
            await asyncio.sleep(0)
        a.tell("crash")
        with pytest.raises(ActorStopped, match="shutdown time"):
            await cut
        assert await b.ask("handled") == 0
        assert journal.count("start g") == 2  # the first instance's, and the next one's
