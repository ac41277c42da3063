"""docs/api.md §9 Router: a pool's `round_robin`, `random` and `consistent_hash` ask chooses
its member when `ask` is called (the key function runs then, once; an error it raises is
raised at the await), also while the routing's view of the members is being rebuilt, as it
is after the pool starts them or a resize adds one; and an ask made but never awaited sends
nothing."""

from __future__ import annotations

import asyncio
import gc
import warnings
import weakref
from typing import Any

import pytest

from actorkit import Actor, ActorSystem, NotDelivered

from .testing_support import Notes

BOUND = 5.0


class Named(Actor):
    async def receive(self, message: Any) -> Any:
        return self.name


class CountedKey:
    """A `hash_key` that counts its calls; "bad" has no key, "list" an unhashable one."""

    def __init__(self) -> None:
        self.calls = 0

    def __call__(self, message: Any) -> Any:
        self.calls += 1
        if message == "bad":
            raise LookupError("no key for this message")
        return [message] if message == "list" else message


async def test_the_first_ask_after_the_members_start_is_routed_at_the_call() -> None:
    """Chosen at the call: the member it chose stops before the await, so the ask is not
    delivered rather than answered by the other member."""
    async with asyncio.timeout(BOUND), ActorSystem() as system:
        pool = await system.spawn_pool(Named, size=2, routing="round_robin")
        asked = pool.ask("which", timeout=BOUND)  # the turn of member 0
        await pool.members[0].stop()
        with pytest.raises(NotDelivered):
            await asked
        assert await pool.ask("which", timeout=BOUND) == "1"
        assert system.accounting().balanced


async def test_the_key_runs_once_at_the_call_after_a_start_and_after_a_grow() -> None:
    async with asyncio.timeout(BOUND), ActorSystem() as system:
        key = CountedKey()
        pool = await system.spawn_pool(Named, size=2, routing="consistent_hash", hash_key=key)
        asked = pool.ask("k", timeout=BOUND)
        assert key.calls == 1
        assert await asked in ("0", "1")
        await pool.resize(3)
        asked = pool.ask("k", timeout=BOUND)
        assert key.calls == 2
        assert await asked in ("0", "1", "2")
        assert key.calls == 2


async def test_a_key_that_fails_runs_once_and_is_said_at_the_await() -> None:
    async with asyncio.timeout(BOUND), ActorSystem() as system:
        key = CountedKey()
        pool = await system.spawn_pool(Named, size=2, routing="consistent_hash", hash_key=key)
        await pool.ask("warm", timeout=BOUND)
        key.calls = 0
        asked = pool.ask("bad", timeout=BOUND)
        assert key.calls == 1
        with pytest.raises(LookupError, match="no key for this message"):
            await asked
        asked = pool.ask("list", timeout=BOUND)
        with pytest.raises(TypeError, match=r"hash_key of pool \S+ returned an unhashable list"):
            await asked
        assert key.calls == 2
        assert system.dead_letters.count == 0


async def test_a_key_whose_owner_stopped_since_the_view_is_not_asked_again() -> None:
    """The owner in the routing's view stopped (from outside): the ask goes to the key's new
    owner, chosen at the call from the key already computed."""
    async with asyncio.timeout(BOUND), ActorSystem() as system:
        key = CountedKey()
        pool = await system.spawn_pool(Named, size=2, routing="consistent_hash", hash_key=key)
        owner = await pool.ask("k", timeout=BOUND)
        await next(m for m in pool.members if m.name == owner).stop()
        key.calls = 0
        asked = pool.ask("k", timeout=BOUND)
        assert key.calls == 1
        assert await asked != owner
        assert key.calls == 1


class Dropped:
    """A message whose collection shows that nothing kept it."""


@pytest.mark.parametrize(
    "routing", ["round_robin", "random", "least_loaded", "consistent_hash", "broadcast"]
)
async def test_an_ask_never_awaited_sends_nothing_and_keeps_nothing(routing: str) -> None:
    async with asyncio.timeout(BOUND), ActorSystem() as system:
        hash_key = (lambda message: "one key") if routing == "consistent_hash" else None
        pool = await system.spawn_pool(Named, size=2, routing=routing, hash_key=hash_key)
        await pool.ask("warm", timeout=BOUND)
        message = Dropped()
        kept = weakref.ref(message)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            asked = pool.ask(message, timeout=BOUND)
            del asked, message  # made, never awaited
            gc.collect()
        assert [type(w.message) for w in caught] == [RuntimeWarning]
        assert "was never awaited" in str(caught[0].message)
        caught.clear()  # the warning's `source` is the coroutine, which holds the message
        gc.collect()
        assert kept() is None
        assert [len(member._cell.mailbox) for member in pool.members] == [0, 0]
        assert await pool.ask("kept", timeout=BOUND) in ("0", "1")
        assert system.accounting().balanced
        assert system.dead_letters.count == 0


@pytest.mark.parametrize("routing", ["round_robin", "random", "consistent_hash"])
async def test_an_ask_chosen_at_the_call_is_sent_at_its_await(routing: str) -> None:
    """Its member is chosen at the call, its message sent at the await: behind a tell made
    between the two, from the same sender to the same member."""
    async with asyncio.timeout(BOUND), ActorSystem() as system:
        hash_key = (lambda message: "one key") if routing == "consistent_hash" else None
        pool = await system.spawn_pool(Notes, size=1, routing=routing, hash_key=hash_key)
        pool.tell("told before")
        asked = pool.ask("asked", timeout=BOUND)
        pool.tell("told between")
        await asked
        member = pool.members[0]
        assert await member.ask("seen", timeout=BOUND) == ["told before", "told between", "asked"]
