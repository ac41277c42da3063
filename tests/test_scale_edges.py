"""Trees at the edges of shape: deep chains of supervisors, paths near their limit, wide
pools. Each test uses the smallest size that shows its fault."""

from __future__ import annotations

import asyncio
import gc
import logging
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from actorkit import (
    Actor,
    ActorSystem,
    Backoff,
    OneForAll,
    OneForOne,
    RestForOne,
    SupervisorGaveUp,
    SystemFailed,
)
from actorkit._names import MAX_PATH
from actorkit.testing import ManualClock

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


async def test_a_chain_of_supervisors_giving_up_keeps_each_message_short(
    clock: ManualClock,
) -> None:
    system = ActorSystem(metrics=False, clock=clock, supervisor=OneForOne(max_restarts=0))
    async with asyncio.timeout(5):
        with pytest.raises(SystemFailed):
            async with system:
                leaf = await system.spawn(GivesUp, GIVING_UP_DEPTH, name="r")
                while (below := await leaf.ask("child")) is not None:
                    leaf = below
                leaf.tell("fail")
                await clock.advance(0)
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
    system = ActorSystem(metrics=False, clock=clock, supervisor=OneForOne(max_restarts=0))
    async with asyncio.timeout(5):
        with pytest.raises(SystemFailed):
            async with system:
                leaf = await system.spawn(GivesUp, GIVING_UP_DEPTH, name="r")
                while (below := await leaf.ask("child")) is not None:
                    leaf = below
                leaf.tell("fail")
                await clock.advance(0)
    reports = {
        record.actor_path: caplog.handler.format(record)  # type: ignore[attr-defined]
        for record in caplog.records
        if isinstance(getattr(record, "actor_path", None), str) and record.exc_info
    }
    lowest, top = reports["/r" + "/n" * (GIVING_UP_DEPTH - 1)], reports["/r"]
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
        assert len(str(refused.value)) < 500


@contextmanager
def _timed() -> Iterator[list[float]]:
    """Seconds the block took, in the list it yields, without the garbage collector's pauses:
    a full collection lands in one of two timed runs and not the other, whatever they do."""
    took: list[float] = []
    gc.disable()
    began = time.perf_counter()
    try:
        yield took
    finally:
        took.append(time.perf_counter() - began)
        gc.enable()


class Sink(Actor):
    async def receive(self, message: Any) -> None:
        return None


async def _tells(system: ActorSystem, size: int, messages: int) -> float:
    """The fastest of three rounds of `messages` tells to a `random` pool of `size`."""
    pool = await system.spawn_pool(Sink, size=size, routing="random", mailbox_size=None)
    rounds = []
    for _ in range(3):
        with _timed() as took:
            for message in range(messages):
                pool.tell(message)
        rounds.append(took[0])
    return min(rounds)


async def test_a_random_pick_costs_the_same_in_a_pool_of_thousands() -> None:
    """A `random` pick checks only the member it picks, as `round_robin` does: checking every
    member for a stop or a drain cost 0.7 ms a message in a pool of 10,000."""
    async with asyncio.timeout(10), ActorSystem(metrics=False) as system:
        small = await _tells(system, 4, 1_000)
        large = await _tells(system, 4_000, 1_000)
    assert large < 5 * small + 0.005, f"{large / small:.0f} times as long"


class Fragile(Actor):
    async def receive(self, message: Any) -> None:
        if message == "crash":
            raise RuntimeError("crashed")


class Wide(Actor):
    """A supervisor of `size` children that restarts them all, a minute after a failure."""

    supervisor_strategy = OneForAll(backoff=Backoff(min=60.0, max=60.0, jitter=0.0))

    def __init__(self, size: int) -> None:
        self.size = size
        self.kids: list[Any] = []

    async def on_start(self) -> None:
        for _ in range(self.size):
            self.kids.append(await self.spawn(Fragile))

    async def receive(self, message: Any) -> Any:
        if message == "all":
            return list(self.kids)
        return self.kids[message if isinstance(message, int) else 0]


SMALL, LARGE = 250, 8_000
"""Sizes whose costs are compared: 32 times as many children, a cost well under 100 times
as long if linear (timing noise included), well over if quadratic (about 1,000 times)."""


async def _grows_linearly(
    operation: Callable[[ActorSystem, int], Awaitable[float]],
    system: ActorSystem,
    large: int = LARGE,
    most: int = 100,
) -> None:
    """`operation` on `large` children takes under `most` times as long as on `SMALL`."""
    small_took = min([await operation(system, SMALL) for _ in range(2)])
    large_took = await operation(system, large)
    assert large_took < most * small_took, (
        f"{large_took / small_took:.0f} times as long for {large // SMALL} times as many"
    )


async def _stop_waiting_out_a_restart(system: ActorSystem, size: int) -> float:
    """How long the stop of a `Wide` of `size` takes while its children wait out the backoff."""
    wide = await system.spawn(Wide, size)
    first = await wide.ask("first")
    with pytest.raises(RuntimeError):
        await first.ask("crash")
    await wide.ask("decided?")  # handled after the failure's report: every child stopped
    with _timed() as took:
        await wide.stop()
    return took[0]


async def test_stopping_a_supervisor_whose_children_wait_out_a_restart_is_linear() -> None:
    """A child's close leaves the delayed restart's plan as it is (the plan skips closed
    children): taking it out by copying the plan would make the stop of n children waiting
    out a backoff cost n² (4 s at 20,000)."""
    async with asyncio.timeout(10), ActorSystem(metrics=False) as system:
        await _grows_linearly(_stop_waiting_out_a_restart, system)
        assert system.actor_count == 0


class WideRestForOne(Wide):
    supervisor_strategy = RestForOne(backoff=Backoff(min=60.0, max=60.0, jitter=0.0))


async def _restart_over_a_delayed_one(system: ActorSystem, size: int) -> float:
    """How long a `rest_for_one` restart from the first child takes while those from the
    second on wait out the backoff of an earlier one, which it takes over."""
    wide = await system.spawn(WideRestForOne, size)
    first, second = await wide.ask(0), await wide.ask(1)
    with pytest.raises(RuntimeError):
        await second.ask("crash")
    await wide.ask("decided?")
    with _timed() as took:
        with pytest.raises(RuntimeError):
            await first.ask("crash")
        await wide.ask("decided?")
    await wide.stop()  # its children, waiting out the backoff, would slow the next run
    return took[0]


async def test_a_restart_taking_over_a_delayed_one_is_linear() -> None:
    """The children a restart takes over left the delayed plan by a lookup in the new plan,
    a list: n² for n children (2 s at 20,000)."""
    async with asyncio.timeout(10), ActorSystem(metrics=False) as system:
        await _grows_linearly(_restart_over_a_delayed_one, system)


class Lenient(Wide):
    supervisor_strategy = OneForOne(max_restarts=1_000_000)


async def _all_fail_at_once(system: ActorSystem, size: int) -> float:
    """How long a `one_for_one` supervisor takes to restart each of its `size` children,
    which all failed at once."""
    wide = await system.spawn(Lenient, size)
    children = await wide.ask("all")
    with _timed() as took:
        for child in children:
            child.tell("crash")
        await asyncio.gather(*(child.ask("restarted?") for child in children))
    await wide.stop()
    return took[0]


async def test_one_for_one_restarts_of_many_children_are_linear(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A restart of one child lists none of its siblings (only `one_for_all` and
    `rest_for_one` need them): listing them would make n failures under one supervisor
    cost n² (2 s at 20,000)."""
    caplog.set_level(logging.CRITICAL, logger="actorkit")  # a crash report each: not timed
    async with asyncio.timeout(10), ActorSystem(metrics=False) as system:
        await _grows_linearly(_all_fail_at_once, system, large=24_000, most=200)
