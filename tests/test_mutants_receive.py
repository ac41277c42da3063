"""Receive-loop edges a mutation review of the hot path found untested: a handler failing after
its asker was cancelled is supervised like any failure; a kept ref keeps no finished task; the
loop's written-out histogram updates fold as `Histogram.record` does; a cancelled spawn whose
`on_start` swallowed the cancellation stops the children that `on_start` spawned."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import weakref
from typing import Any

import pytest

from actorkit import Actor, ActorSystem
from actorkit._stats import FOLD_AT, ClassStats

from .metrics_truth_support import sample, scraped


class FailsLater(Actor):
    """Fails "fail" once `gate` opens, after telling `entered`; echoes anything else."""

    def __init__(self, entered: asyncio.Event, gate: asyncio.Event) -> None:
        self.entered = entered
        self.gate = gate

    async def receive(self, message: Any) -> Any:
        if message == "fail":
            self.entered.set()
            await self.gate.wait()
            raise ValueError("failed after its asker left")
        return message


async def test_a_handler_failing_after_its_asker_left_is_supervised_as_any_failure() -> None:
    """The asker's future is already done (cancelled) when the handler raises: nobody is told,
    but the failure goes to the supervisor (a restart here), not to the loop's fault path that
    would close the actor."""
    entered, gate = asyncio.Event(), asyncio.Event()
    async with asyncio.timeout(10), ActorSystem() as system:
        ref = await system.spawn(FailsLater, entered, gate)
        asker = asyncio.ensure_future(ref.ask("fail"))
        await entered.wait()
        asker.cancel()
        with pytest.raises(asyncio.CancelledError):
            await asker
        gate.set()
        assert await ref.ask("after") == "after"  # restarted, not closed
        assert ref.is_alive
        samples = scraped(system)
    assert sample(samples, "actorkit_actor_restarts_total", actor_type="FailsLater") == 1.0


class Counts(Actor):
    async def receive(self, message: Any) -> Any:
        return message


async def test_a_kept_ref_to_a_stopped_actor_keeps_no_task() -> None:
    """A ref outlives its actor for as long as anyone holds it: the finished task, its
    coroutine and its context are not kept with it."""
    async with asyncio.timeout(10), ActorSystem() as system:
        ref = await system.spawn(Counts)
        assert await ref.ask("woken") == "woken"  # it has a task now
        task = weakref.ref(ref._cell.task)
        assert task() is not None
        await ref.stop()
        gc.collect()
        assert task() is None
        assert not ref.is_alive


async def test_the_receive_loops_histogram_updates_fold_every_fold_at_samples() -> None:
    """The loop writes `Histogram.record` out for a lone message's handling time and for the
    last ask of a batch, and keeps a lone ask's two samples together (`ClassStats.pairs`):
    like `record`, it folds the durations into the buckets every `FOLD_AT`th sample
    (observability.md, "Durations are counted 512 at a time")."""
    async with asyncio.timeout(10), ActorSystem() as system:
        ref = await system.spawn(Counts)
        stats = system.metrics.stats_for(Counts)
        assert isinstance(stats, ClassStats)
        for n in range(FOLD_AT):  # one batch each: one handling sample, one ask sample
            assert await ref.ask(n) == n
        assert stats.pairs == []
        for histogram in (stats.processing, stats.ask_seconds):
            assert (histogram.count, len(histogram.pending)) == (FOLD_AT, 0)
        assert await ref.ask("one more") == "one more"
        assert len(stats.pairs) == 2
        for histogram in (stats.processing, stats.ask_seconds):
            assert (histogram.count, len(histogram.pending)) == (FOLD_AT + 1, 0)
        ref.tell("ahead of an ask")  # one batch of two: no lone ask, no pair
        assert await ref.ask("behind a tell") == "behind a tell"
        assert len(stats.pairs) == 2
        assert (len(stats.processing.pending), len(stats.ask_seconds.pending)) == (0, 1)
        assert (stats.processing.count, stats.ask_seconds.count) == (FOLD_AT + 3, FOLD_AT + 2)


class StopsTold(Actor):
    """Sets `stopped` from its `on_stop`."""

    def __init__(self, stopped: asyncio.Event) -> None:
        self.stopped = stopped

    async def receive(self, message: Any) -> None:
        pass

    async def on_stop(self) -> None:
        self.stopped.set()


class SpawnsThenSwallows(Actor):
    """`on_start` spawns a child, then swallows the cancellation of its spawn and returns."""

    def __init__(self, made: list[Any], stopped: asyncio.Event, entered: asyncio.Event) -> None:
        self.made, self.stopped, self.entered = made, stopped, entered

    async def on_start(self) -> None:
        self.made.append(await self.spawn(StopsTold, self.stopped))
        self.entered.set()
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.Event().wait()


async def test_a_cancelled_spawn_whose_on_start_swallowed_it_stops_its_children_at_once() -> None:
    """Nothing of a cancelled spawn is left running (api.md, `spawn`): the children its
    `on_start` spawned stop as that `on_start` returns, not at the system's shutdown."""
    made: list[Any] = []
    stopped, entered = asyncio.Event(), asyncio.Event()
    async with asyncio.timeout(10), ActorSystem() as system:
        spawning = asyncio.ensure_future(system.spawn(SpawnsThenSwallows, made, stopped, entered))
        await entered.wait()
        spawning.cancel()
        with pytest.raises(asyncio.CancelledError):
            await spawning
        await stopped.wait()
        assert not made[0].is_alive
        assert system.lookup(made[0].path) is None
