"""Memory of a service that runs for weeks: each public operation, repeated with what it
involves ending each round (an actor stopped, an ask answered or refused, a watch, a
subscription, a timer, a task), leaves no table of the runtime bigger than it was. Each case
runs twice `ROUNDS` rounds after a warm-up and compares the sizes of every table the system
holds (tests/tables_census.py) after each run: one that keeps an entry per round grows by
`ROUNDS` in each; one of the bounded tables below stops at its bound."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from actorkit import (
    Actor,
    ActorRef,
    ActorStopped,
    ActorSystem,
    OneForOne,
    Task,
    TaskCancelled,
    Terminated,
)

from .tables_census import census, grown

ROUNDS = 300
WARM_UP = 600
"""Past the bound of the cache of requirement sets, `SETS_CACHED` in each of two generations
(`tasks` adds two sets a round)."""
BOUNDED = (
    "DeadLetters._recent",  # the 1,000 latest records (docs/api.md §4), and what they hold
    "Histogram.pending",  # folded into the buckets at `FOLD_AT` samples
    "Histogram.paired",
    "ClassStats.pairs",
    "Intensity._times",  # the restarts within the strategy's `within`
    # The sets held per capability: `SETS_CACHED` a turn, dropped a turn unused (a
    # capability leaves with its last set: `Compatible._holders` itself must not grow).
    "Compatible._holders[]",
)


class Worker(Actor):
    capabilities = ("work",)

    async def receive(self, message: Any) -> Any:
        if message == "crash":
            raise RuntimeError("crash on purpose")
        if isinstance(message, Task):
            return message.payload
        if isinstance(message, asyncio.Event):
            await message.wait()
        return message


class Keeper(Actor):
    """Long-lived: watches, subscribes, starts timers and spawns children as it is told."""

    supervisor_strategy = OneForOne(max_restarts=1_000_000, within=1.0)

    async def receive(self, message: Any) -> Any:
        match message:
            case ("spawn", name):
                return await self.spawn(Worker, name=name)
            case ("watch", ActorRef() as ref):
                self.watch(ref)
            case ("unwatch", ActorRef() as ref):
                self.unwatch(ref)
            case ("subscribe", str(pattern)):
                self.subscribe(pattern)
            case ("unsubscribe", str(pattern)):
                self.unsubscribe(pattern)
            case ("timers", str(key)):
                self.timers.start_once(key, "once", 3600.0)
                self.timers.start_every(f"{key}-every", "every", 3600.0)
                self.timers.cancel(key)
                self.timers.cancel(f"{key}-every")
        return None if isinstance(message, Terminated) else message


Round = Callable[[ActorSystem, ActorRef, int], Awaitable[None]]


async def spawned_and_stopped(system: ActorSystem, keeper: ActorRef, n: int) -> None:
    child = await keeper.ask(("spawn", f"child-{n}"))
    assert await child.ask(n) == n
    await child.stop()


async def watched_until_stopped(system: ActorSystem, keeper: ActorRef, n: int) -> None:
    target = await system.spawn(Worker, name=f"watched-{n}")
    await keeper.ask(("watch", target))
    await target.stop()
    await keeper.ask("after its Terminated")


async def watcher_stopped(system: ActorSystem, keeper: ActorRef, n: int) -> None:
    watcher = await system.spawn(Keeper)
    await watcher.ask(("watch", keeper))
    await keeper.ask(("watch", watcher))
    await keeper.ask(("unwatch", watcher))
    await watcher.stop()


async def subscribed(system: ActorSystem, keeper: ActorRef, n: int) -> None:
    await keeper.ask(("subscribe", f"topic.{n}"))
    subscriber = await system.spawn(Worker)
    system.subscribe(subscriber, f"wild.{n}.>")
    assert system.publish(f"topic.{n}", n) == 1
    assert system.publish(f"wild.{n}.x", n) == 1
    await keeper.ask(("unsubscribe", f"topic.{n}"))
    await subscriber.stop()


async def timers(system: ActorSystem, keeper: ActorRef, n: int) -> None:
    await keeper.ask(("timers", f"key-{n}"))
    target = await system.spawn(Worker)
    system.schedule_every(3600.0, target, "tick")
    system.schedule_once(3600.0, keeper, "tick").cancel()
    await target.stop()


async def asks_refused_and_cancelled(system: ActorSystem, keeper: ActorRef, n: int) -> None:
    target = await system.spawn(Worker)
    gate = asyncio.Event()
    target.tell(gate)
    asking = asyncio.ensure_future(target.ask(n, timeout=60.0))
    await asyncio.sleep(0)  # the ask is queued behind the gate
    asking.cancel()
    queued = asyncio.ensure_future(target.ask(n, timeout=60.0))
    stopping = asyncio.ensure_future(target.stop())
    await asyncio.sleep(0)
    gate.set()
    await stopping
    with contextlib.suppress(asyncio.CancelledError):
        await asking
    with pytest.raises(ActorStopped):
        await queued
    with pytest.raises(ActorStopped):
        await target.ask(n)


async def tasks(system: ActorSystem, keeper: ActorRef, n: int) -> None:
    agent = await system.spawn(Worker, name=f"agent-{n}", capabilities=(f"only-{n}",))
    assert await (await system.submit(n, requires=[f"only-{n}"])) == n
    unservable = await system.submit(n, requires=[f"nobody-{n}"])
    unservable.cancel()
    with pytest.raises(TaskCancelled):
        await unservable
    await agent.stop()


async def restarted(system: ActorSystem, keeper: ActorRef, n: int) -> None:
    child = system.lookup("/keeper/restarted") or await keeper.ask(("spawn", "restarted"))
    with pytest.raises(RuntimeError):
        await child.ask("crash")
    assert await child.ask(n) == n


async def pooled(system: ActorSystem, keeper: ActorRef, n: int) -> None:
    pool = await system.spawn_pool(Worker, size=2, routing="consistent_hash", hash_key=str)
    system.subscribe(pool, "pool.>")
    await pool.resize(3)
    assert await pool.ask(n) == n
    assert system.publish(f"pool.{n}", n) == 1
    await pool.resize(1)
    await pool.stop()


async def forced(system: ActorSystem, keeper: ActorRef, n: int) -> None:
    busy = await system.spawn(Worker)
    await keeper.ask(("watch", busy))
    busy.tell(asyncio.Event())  # never set: only the force ends it
    await busy.stop(timeout=0)
    await keeper.ask("after its Terminated")


ROUNDS_OF: dict[str, Round] = {
    "spawned and stopped": spawned_and_stopped,
    "watched until stopped": watched_until_stopped,
    "watcher stopped": watcher_stopped,
    "subscribed": subscribed,
    "timers": timers,
    "asks refused and cancelled": asks_refused_and_cancelled,
    "tasks": tasks,
    "restarted": restarted,
    "pooled": pooled,
    "forced stop": forced,
}


@pytest.mark.parametrize("one_round", list(ROUNDS_OF.values()), ids=list(ROUNDS_OF))
async def test_rounds_that_end_what_they_start_grow_no_table(
    one_round: Round, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.CRITICAL, logger="actorkit")  # the crashes' reports
    async with asyncio.timeout(50), ActorSystem("tables") as system:
        keeper = await system.spawn(Keeper, name="keeper")
        numbers = itertools.count()
        sizes = []
        for rounds in (WARM_UP, ROUNDS, ROUNDS):
            for n in itertools.islice(numbers, rounds):
                await one_round(system, keeper, n)
            assert await keeper.ask("settled") == "settled"
            sizes.append(census(system))
        grew = grown(*sizes, by=ROUNDS // 2)
        assert [table for table in grew if not table.startswith(BOUNDED)] == []
        assert system.actor_count <= 2  # the keeper, and the child `restarted` keeps
