"""When a pool's ask chooses its member (docs/api.md, §9 Router): `round_robin`, `random` and
`consistent_hash` as `ask` is called, returning that member's own ask; `least_loaded` and
`broadcast` as the ask is sent, at its first await. Either way `ask` gives a coroutine, and
what goes wrong is said at the await."""

from __future__ import annotations

import asyncio
import inspect
import sys
from typing import Any

import pytest

from actorkit import Actor, ActorSystem, NotDelivered, PoolRef
from actorkit.testing import ManualClock

BOUND = 5.0
ROUTINGS = ("round_robin", "random", "least_loaded", "consistent_hash", "broadcast")


class Named(Actor):
    async def receive(self, message: Any) -> Any:
        return self.name


class Gathers(Actor):
    """Answers once `expected` asks have reached the pool's members: each waits for the
    others, so asks made together must be spread over the members to be answered at all."""

    def __init__(self, arrived: list[str], expected: int, everyone: asyncio.Event) -> None:
        self.arrived, self.expected, self.everyone = arrived, expected, everyone

    async def receive(self, message: Any) -> Any:
        self.arrived.append(self.name)
        if len(self.arrived) == self.expected:
            self.everyone.set()
        await self.everyone.wait()
        return self.name


def _key(message: Any) -> Any:
    if message == "bad key":
        raise LookupError("no key for this message")
    return message


@pytest.mark.parametrize("routing", ROUTINGS)
async def test_an_ask_of_every_routing_is_a_coroutine_a_task_can_run(routing: str) -> None:
    async with asyncio.timeout(BOUND), ActorSystem() as system:
        hash_key = _key if routing == "consistent_hash" else None
        pool = await system.spawn_pool(Named, size=2, routing=routing, hash_key=hash_key)
        asked = pool.ask("which", timeout=BOUND)
        assert asyncio.iscoroutine(asked)
        assert await asyncio.create_task(asked) in ("0", "1")


@pytest.mark.skipif(sys.version_info < (3, 12), reason="inspect.markcoroutinefunction: 3.12+")
def test_a_pool_ask_is_a_coroutine_function_to_introspection() -> None:
    """API §9 lists `ask` among the awaited calls: a pool's, a plain function returning a
    coroutine, is marked as one for `inspect`, as `ActorRef.ask` is by being `async def`."""
    assert inspect.iscoroutinefunction(PoolRef.ask)


async def test_a_key_that_fails_is_said_at_the_await_not_at_the_call() -> None:
    async with asyncio.timeout(BOUND), ActorSystem() as system:
        pool = await system.spawn_pool(
            Named, size=2, routing="consistent_hash", hash_key=_key, name="hashed"
        )
        asked = pool.ask("bad key", timeout=BOUND)  # no error yet
        with pytest.raises(LookupError, match="no key for this message"):
            await asked
        assert system.dead_letters.count == 0
        assert await pool.ask("good key", timeout=BOUND) in ("0", "1")


async def test_least_loaded_asks_made_together_spread_by_the_loads_they_leave() -> None:
    async with asyncio.timeout(BOUND), ActorSystem() as system:
        arrived: list[str] = []
        everyone = asyncio.Event()
        pool = await system.spawn_pool(
            Gathers, arrived, 3, everyone, size=3, routing="least_loaded"
        )
        asks = [pool.ask(n, timeout=BOUND) for n in range(3)]  # made before any is sent
        assert sorted(await asyncio.gather(*asks)) == ["0", "1", "2"]


async def test_a_round_robin_ask_goes_to_the_member_chosen_at_the_call() -> None:
    """Chosen at the call, sent at the first await: a member that stops in between never
    gets it, and the asker hears `NotDelivered` (safe to retry) rather than an answer from
    another member."""
    async with asyncio.timeout(BOUND), ActorSystem() as system:
        pool = await system.spawn_pool(Named, size=2, routing="round_robin")
        assert await pool.ask("which", timeout=BOUND) == "0"
        chosen = pool.members[1]  # next in turn
        asked = pool.ask("which", timeout=BOUND)
        await chosen.stop()
        with pytest.raises(NotDelivered):
            await asked
        assert await pool.ask("which", timeout=BOUND) == "0"


class SlowToStop(Actor):
    """Answers with its name; its `on_stop` says it began, then waits to be let go."""

    def __init__(self, began: asyncio.Event, release: asyncio.Event) -> None:
        self.began, self.release = began, release

    async def receive(self, message: Any) -> Any:
        return self.name

    async def on_stop(self) -> None:
        self.began.set()
        await self.release.wait()


async def test_an_ask_sent_after_its_members_slow_stop_began_is_answered_by_another_after_it(
    clock: ManualClock,
) -> None:
    """docs/api.md §9: chosen at the call, the member's stop begun (its `on_stop` running)
    before the await: the member takes the ask and, at its close, hands it to the remaining
    members, so it is answered, but only after that `on_stop`."""
    async with asyncio.timeout(BOUND), ActorSystem(clock=clock) as system:
        began, release = asyncio.Event(), asyncio.Event()
        pool = await system.spawn_pool(SlowToStop, began, release, size=2, routing="round_robin")
        assert [await pool.ask("which", timeout=BOUND) for _ in range(2)] == ["0", "1"]
        asked = pool.ask("which", timeout=BOUND)  # member 0, next in turn
        stopping = asyncio.create_task(pool.members[0].stop())
        await began.wait()
        answer = asyncio.create_task(asked)
        await clock.settle()  # its first step has sent the ask
        # A round trip to the member left, made after that ask was sent: had the ask gone
        # there at once, it would have been answered first.
        assert await pool.ask("which", timeout=BOUND) == "1"
        assert not answer.done()
        release.set()
        assert await answer == "1"
        await stopping


class Gated(Actor):
    """Notes each message under its own name, then waits for the gate."""

    def __init__(self, gate: asyncio.Event, seen: dict[str, list[Any]]) -> None:
        self.gate, self.seen = gate, seen

    async def receive(self, message: Any) -> None:
        self.seen.setdefault(self.name, []).append(message)
        await self.gate.wait()


async def test_least_loaded_never_routes_to_a_member_leaving_a_shrink_however_light(
    clock: ManualClock,
) -> None:
    """Member 2 leaves a shrink while busy with nothing queued (the lightest load); 0 and 1
    have a message queued each. What is sent next goes to 0, not to the leaver."""
    async with asyncio.timeout(BOUND), ActorSystem(clock=clock) as system:
        gate, seen = asyncio.Event(), dict[str, list[Any]]()
        pool = await system.spawn_pool(Gated, gate, seen, size=3, routing="least_loaded")
        for n in range(3):
            pool.tell(("busy", n))  # an idle member wins: one each
        await clock.settle()
        first, second, _ = pool.members
        first.tell("queued")
        second.tell("queued")
        resizing = asyncio.create_task(pool.resize(2))
        await clock.settle()
        assert [m.name for m in pool.members] == ["0", "1"]  # 2 drains
        pool.tell("routed")
        gate.set()
        await resizing
        await clock.settle()
        assert seen == {
            "0": [("busy", 0), "queued", "routed"],
            "1": [("busy", 1), "queued"],
            "2": [("busy", 2)],
        }
