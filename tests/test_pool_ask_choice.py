"""When a pool's ask chooses its member (docs/api.md, §9 Router): `round_robin`, `random` and
`consistent_hash` as `ask` is called, returning that member's own ask; `least_loaded` and
`broadcast` as the ask is sent, at its first await. Either way `ask` gives a coroutine, and
what goes wrong is said at the await."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from actorkit import Actor, ActorSystem, NotDelivered

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
