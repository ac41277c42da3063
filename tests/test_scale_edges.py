"""Trees at the edges of shape: deep chains of supervisors, paths near their limit, wide
pools. Each test uses the smallest size that shows its fault."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import pytest

from actorkit import (
    Actor,
    ActorSystem,
    OneForOne,
    SupervisorGaveUp,
    SystemFailed,
)
from actorkit._names import MAX_PATH
from actorkit.testing import ManualClock
from benchmarks import scale_edges as scale

GIVING_UP_DEPTH = 18
"""Supervisors giving up one above the other. A `SupervisorGaveUp` that quoted its child's
whole, escapes included, would double at every level: 1 MB here, beyond memory past thirty
levels."""


class GivesUp(Actor):
    """A link of a chain whose every supervisor allows no restart."""

    supervisor_strategy = OneForOne(max_restarts=0)

    def __init__(self, below: int) -> None:
        self.below = below
        self.child: Any = None

    async def on_start(self) -> None:
        if self.below:
            self.child = await self.spawn(GivesUp, self.below - 1, name="n")

    async def receive(self, message: Any) -> Any:
        if message == "child":
            return self.child
        raise RuntimeError("the leaf failed")


async def _gave_up(clock: ManualClock) -> ActorSystem:
    """A system whose chain of `GIVING_UP_DEPTH` supervisors gave up, from its leaf up."""
    system = ActorSystem(metrics=False, clock=clock, supervisor=OneForOne(max_restarts=0))
    async with asyncio.timeout(5):
        with pytest.raises(SystemFailed):
            async with system:
                leaf = await system.spawn(GivesUp, GIVING_UP_DEPTH, name="r")
                while (below := await leaf.ask("child")) is not None:
                    leaf = below
                leaf.tell("fail")
                await clock.advance(0)
    return system


async def test_a_chain_of_supervisors_giving_up_keeps_each_message_short(
    clock: ManualClock,
) -> None:
    system = await _gave_up(clock)
    failure = system.failure
    said = str(failure)
    assert len(said) < 2_000, f"{len(said):,} characters"
    assert said.startswith("supervisor / gave up: /r failed with SupervisorGaveUp")
    assert "chain of supervisors giving up, begun by RuntimeError('the leaf failed')" in said
    chain, error = 0, failure
    while isinstance(error, SupervisorGaveUp):
        assert len(str(error)) < 2_000
        chain, error = chain + 1, error.__cause__
    assert chain == GIVING_UP_DEPTH + 1  # every supervisor of the chain, and the root
    assert isinstance(error, RuntimeError)


async def test_the_crash_reports_of_a_chain_giving_up_stay_as_long_at_every_level(
    clock: ManualClock, caplog: pytest.LogCaptureFixture
) -> None:
    """A crash report printing the whole `__cause__` chain below its supervisor, which the
    reports below print already, would make a chain d deep log d²/2 tracebacks (5 GB at
    1,500). A report shows the failure the chain began with and what the supervisor did."""
    system = await _gave_up(clock)
    reports = {
        record.actor_path: caplog.handler.format(record)  # type: ignore[attr-defined]
        for record in caplog.records
        if isinstance(getattr(record, "actor_path", None), str) and record.exc_info
    }
    lowest, top = reports["/r" + "/n" * (GIVING_UP_DEPTH - 1)], reports["/r"]
    chain: list[SupervisorGaveUp] = []
    error = system.failure
    while isinstance(error, SupervisorGaveUp):
        chain, error = [*chain, error], error.__cause__
    # The give-up on the failure itself is reported as it is, not as a copy of it.
    assert sum(r.exc_info is not None and r.exc_info[1] is chain[-1] for r in caplog.records) == 1
    assert "RuntimeError: the leaf failed" in top
    assert top.count("Traceback") == lowest.count("Traceback")
    assert len(top) < len(lowest) + 200  # a longer path, and no more


class Spawner(Actor):
    async def receive(self, message: Any) -> Any:
        return await self.spawn(Spawner, name=message)


async def test_a_child_whose_path_would_pass_the_limit_is_refused_at_spawn() -> None:
    """`lookup`, `system.ask`, `remote` and `/actors?path=` take paths of at most 4,096
    characters: a deeper actor could not be found by its path, so spawn refuses it."""
    name = "a" * 255
    async with asyncio.timeout(5), ActorSystem(metrics=False) as system:
        ref = await system.spawn(Spawner, name=name)
        while len(ref.path) + 1 + len(name) <= MAX_PATH:
            ref = await ref.ask(name)
            assert system.lookup(ref.path) == ref
        assert len(ref.path) == MAX_PATH  # sixteen names of 255 and their '/'s: at the limit
        with pytest.raises(ValueError, match=r"at most 4096 characters") as refused:
            await ref.ask(name)
        assert f"cannot spawn {ref.path[:48]}...{name[-48:]}: " in str(refused.value)
        assert f"its path would be {MAX_PATH + 1 + len(name):,} characters" in str(refused.value)
        assert len(str(refused.value)) < 500


async def test_a_path_of_exactly_the_limit_is_spawned_and_one_character_more_refused() -> None:
    """The limit counts the child's '/': a path of 4,096 characters is found by `lookup`,
    one of 4,097 is never made."""
    async with asyncio.timeout(5), ActorSystem(metrics=False) as system:
        ref = await system.spawn(Spawner, name="b" * 240)
        for _ in range(15):
            ref = await ref.ask("a" * 239)
        assert len(ref.path) == MAX_PATH - 255  # a name of 254 and its '/' from the limit
        with pytest.raises(ValueError, match=r"its path would be 4,097 characters"):
            await ref.ask("c" * 255)
        leaf = await ref.ask("c" * 254)
        assert len(leaf.path) == MAX_PATH
        assert system.lookup(leaf.path) == leaf


class Counting(Actor):
    def __init__(self) -> None:
        self.count = 0

    async def receive(self, message: Any) -> int:
        if message == "count":
            return self.count
        self.count += 1
        return self.count


async def test_a_random_pool_of_thousands_spreads_every_message() -> None:
    """`benchmarks/scale_edges.py` times the pick (it checks only the member it picks)."""
    async with asyncio.timeout(10), ActorSystem(metrics=False) as system:
        pool = await system.spawn_pool(Counting, size=2_000, routing="random", mailbox_size=None)
        for message in range(6_000):
            pool.tell(message)
        counts = [await member.ask("count") for member in pool.members]
    assert sum(counts) == 6_000
    assert sum(1 for count in counts if count) > 1_500  # about 1,900 expected


async def test_a_supervisor_in_a_backoff_stops_every_child() -> None:
    async with asyncio.timeout(10), ActorSystem(metrics=False) as system:
        await scale.stop_waiting_out_a_restart(system, 60)
        assert system.actor_count == 0


async def test_a_restart_taking_over_a_delayed_one_starts_each_child_once() -> None:
    clock = ManualClock()
    async with asyncio.timeout(10), ActorSystem(metrics=False, clock=clock) as system:
        wide = await system.spawn(scale.WideRestForOne, 40)
        first, second = await wide.ask(0), await wide.ask(1)
        with pytest.raises(RuntimeError):
            await second.ask("crash")
        await wide.ask("decided?")
        with pytest.raises(RuntimeError):
            await first.ask("crash")
        await wide.ask("decided?")
        kids = await wide.ask("all")
        waiting = [asyncio.create_task(kid.ask("restarted?", 3_600)) for kid in kids]
        await wide.ask("decided?")
        assert not any(ask.done() for ask in waiting)  # all 40 wait out the backoff
        await clock.advance(60.0)
        assert await asyncio.gather(*waiting) == [None] * 40


async def test_children_failing_at_once_under_one_for_one_each_restart(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.CRITICAL, logger="actorkit")
    async with asyncio.timeout(10), ActorSystem(metrics=False) as system:
        await scale.all_fail_at_once(system, 300)
        assert system.actor_count == 0


async def test_timers_cancelled_with_their_ticks_queued_deliver_none_of_them() -> None:
    """`benchmarks/scale_edges.py` times the cancels (the operation checks each returned True
    and no tick arrived)."""
    async with asyncio.timeout(10), ActorSystem(metrics=False) as system:
        await scale.cancel_queued_ticks(system, 300)
        assert system.accounting().balanced
        assert system.dead_letters.count == 0


async def test_actors_unwatched_with_their_terminated_queued_deliver_none_of_them() -> None:
    """`benchmarks/scale_edges.py` times the unwatches (the operation checks that no
    `Terminated` arrived)."""
    async with asyncio.timeout(10), ActorSystem(metrics=False) as system:
        await scale.unwatch_stopped(system, 300)
        assert system.accounting().balanced
        assert system.dead_letters.count == 0
