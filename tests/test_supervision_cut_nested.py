"""A supervisor cut while it waits for its own cut of a child (API 9, "Supervision"): the
child's handler swallowed the first cut, and the supervisor's own cut stops the child again
within its bound. That second cut ends the instance as any cut does: its message a failure
counted once, its children stopped within the bound, nothing abandoned that let go."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import pytest

from actorkit import ActorStopped, ActorSystem, ChildSpec, OneForAll, Supervisor

from .invariants import assert_settled
from .metrics_truth_support import scraped, total
from .supervision_cut_support import BOUND, HangingOnStop, Swallowing, _children, _hung
from .supervision_support import Worker


class SwallowingParent(Swallowing):
    """A `Swallowing` child with a child of its own whose first `on_stop` never returns."""

    async def on_start(self) -> None:
        await super().on_start()
        await self.spawn(HangingOnStop, self.journal, "g", name="g")


class SwallowingTwice(Worker):
    """Its "hang" handler swallows two cancellations, then returns once `release` is set."""

    release: asyncio.Event

    async def receive(self, message: Any) -> Any:
        if message == "hang":
            self.journal.append(f"hangs {self.label}")
            for _ in range(2):
                try:
                    await asyncio.Event().wait()
                except asyncio.CancelledError:
                    self.journal.append(f"swallowed {self.label}")
            await type(self).release.wait()
            return "returned"
        return await super().receive(message)


class SwallowingTwiceParent(SwallowingTwice):
    """A `SwallowingTwice` child with a child of its own whose first `on_stop` never returns."""

    async def on_start(self) -> None:
        await super().on_start()
        await self.spawn(HangingOnStop, self.journal, "g", name="g")


async def _until(journal: list[str], entry: str, times: int) -> None:
    """Until `entry` is in the journal `times` times: yields, never sleeps."""
    while journal.count(entry) < times:
        await asyncio.sleep(0)


async def _cut_twice(system: ActorSystem, journal: list[str], cls: type) -> Any:
    """`top` (one_for_all) of a `Worker` "x" and a supervisor "mid" (one_for_all) of a `Worker`
    "y" and a `cls` "c", both bounded by `BOUND`. "c" hangs and swallows the cut that y's
    failure brings; x fails meanwhile: top cuts mid, which is waiting for c, and mid's cut
    stops c again. Returns top."""
    mid = [ChildSpec(Worker, journal, "y", name="y"), ChildSpec(cls, journal, "c", name="c")]
    top = await system.spawn(
        Supervisor,
        [
            ChildSpec(Worker, journal, "x", name="x"),
            ChildSpec(Supervisor, mid, OneForAll(shutdown=BOUND), name="mid"),
        ],
        OneForAll(shutdown=BOUND),
    )
    x, mid_ref = await _children(system, top, "x", "mid")
    y, c = await _children(system, mid_ref, "y", "c")
    hung = asyncio.create_task(c.ask("hang"))
    await _hung(journal, "hangs c")
    y.tell("crash")
    with pytest.raises(ActorStopped, match="shutdown time"):
        await hung
    await _hung(journal, "swallowed c")
    x.tell("crash")
    return top


async def _after_the_cuts(
    system: ActorSystem, top: Any, journal: list[str], caplog: pytest.LogCaptureFixture
) -> list[str]:
    """Once the tree started again: `c` answers, and nothing was said to have ignored the
    cancellation. What was logged, for the test's own checks."""
    await _until(journal, "start c", 2)
    _x, mid = await _children(system, top, "x", "mid")
    (c,) = await _children(system, mid, "c")
    assert await c.ask("handled") == 0
    said = [r.getMessage() for r in caplog.records]
    assert not [m for m in said if "ignored the cancellation" in m], said
    return said


@pytest.mark.parametrize("cls", [Swallowing, SwallowingParent])
async def test_the_second_cut_of_a_handler_that_swallowed_the_first_is_a_cut(
    cls: type, caplog: pytest.LogCaptureFixture
) -> None:
    """The handler lets the second cut's cancellation through: the child stops for good as
    its supervisor's cut asked, its message counted `crashed` (not a dead letter) and
    reported once with that decision, its own child cut within the bound, and the restart
    of the tree goes on at once: nothing is abandoned, no "ignored the cancellation"."""
    caplog.set_level(logging.WARNING, logger="actorkit")
    journal: list[str] = []
    Swallowing.then, Swallowing.release = "wait", asyncio.Event()
    HangingOnStop.hangs = 1
    async with asyncio.timeout(5), ActorSystem() as system:
        top = await _cut_twice(system, journal, cls)
        said = await _after_the_cuts(system, top, journal, caplog)
        reports = [m for m in said if "/mid/c (" in m and "failed handling" in m]
        assert len(reports) == 1, said
        assert "ActorStopped" in reports[0]
        assert "decided: stop (cut by its supervisor's shutdown time)" in reports[0]
        if cls is SwallowingParent:
            assert [m for m in said if "/mid/c/g ran past" in m], said
        samples = scraped(system)
        failed = "actorkit_actor_failures_total"
        assert total(samples, failed, actor_type=cls.__name__, exception="ActorStopped") == 1
        accounting = system.accounting()
        assert (accounting.crashed, accounting.dead_lettered) == (3, 0), accounting
        await assert_settled(system)


@pytest.mark.parametrize("cls", [SwallowingTwice, SwallowingTwiceParent])
async def test_a_handler_that_swallows_both_cuts_and_returns_is_ended_once(
    cls: type, caplog: pytest.LogCaptureFixture
) -> None:
    """It returns within the grace: the second cut ends it for good, its own child cut
    within the bound, and its message counts as handled (its asker had the error already),
    nothing reported as its failure."""
    caplog.set_level(logging.WARNING, logger="actorkit")
    journal: list[str] = []
    SwallowingTwice.release = asyncio.Event()
    HangingOnStop.hangs = 1
    async with asyncio.timeout(5), ActorSystem() as system:
        top = await _cut_twice(system, journal, cls)
        await _until(journal, "swallowed c", 2)
        SwallowingTwice.release.set()
        said = await _after_the_cuts(system, top, journal, caplog)
        assert not [m for m in said if "/mid/c (" in m and "failed handling" in m], said
        assert [m for m in said if "/mid/c ran past" in m and "it stops" in m], said
        if cls is SwallowingTwiceParent:
            assert [m for m in said if "/mid/c/g ran past" in m], said
        accounting = system.accounting()
        assert (accounting.processed, accounting.crashed, accounting.dead_lettered) == (2, 2, 0)
        await assert_settled(system)
