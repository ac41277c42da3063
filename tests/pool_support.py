"""Pool test helpers: make a pool give up and be restarted, find a key a member owns, a
member that fails on demand, and a member held draining by a shrink."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest

from actorkit import Actor, ActorRef, ActorSystem, Backoff, OneForOne, PoolRef
from actorkit.testing import ManualClock, snapshot


def restarting_root(after: float) -> OneForOne:
    """A root that restarts what gives up `after` (manual) seconds later."""
    return OneForOne(max_restarts=10, within=60.0, backoff=Backoff(min=after, max=after, jitter=0))


async def make_it_give_up(pool: PoolRef, clock: ManualClock) -> None:
    """A fourth member crash within 5 s: the pool exceeds its intensity and gives up, and
    waits (restarting, without members) for its supervisor's backoff. The crashes are asked
    of one member, so that a broadcast pool gives up the same way."""
    member = pool.members[0]
    for _ in range(4):
        with pytest.raises(RuntimeError):
            await member.ask("crash")
    await clock.settle()
    assert pool.members == [] and snapshot(pool).state == "restarting"


def first_of(message: tuple[int, str]) -> int:
    return message[0]


async def key_owned_by(pool: PoolRef, name: str) -> int:
    """A key (for `first_of`) that member `name` owns; each probe is one of its messages."""
    for key in range(100):
        if await pool.ask((key, "owner?")) == name:
            return key
    raise AssertionError(f"member {name} owns none of the first 100 keys")


class FailsOnGate(Actor):
    """Fails once its gate opens on "block"; notes anything else and answers it."""

    def __init__(self, gate: asyncio.Event, seen: list[Any]) -> None:
        self.gate, self.seen = gate, seen

    async def receive(self, message: Any) -> Any:
        if message == "block":
            await self.gate.wait()
            raise RuntimeError("the member failed")
        self.seen.append(message)
        return message


def key_of(message: Any) -> object:
    """A message's key: a str is its own, a tuple's is its second item."""
    return message if isinstance(message, str) else message[1]


async def two_failing_on_a_gate(
    system: ActorSystem, routing: str, mailbox_size: int | None
) -> tuple[PoolRef, asyncio.Event, list[Any]]:
    """A pool of two `FailsOnGate` members (keyed by `key_of`) that gives up at the second
    failure, with the gate that makes them fail and the list they note messages in."""
    gate, seen = asyncio.Event(), list[Any]()
    pool = await system.spawn_pool(
        FailsOnGate,
        gate,
        seen,
        size=2,
        routing=routing,
        hash_key=key_of if routing == "consistent_hash" else None,
        mailbox_size=mailbox_size,
        supervisor=OneForOne(max_restarts=1, within=60.0),  # the second failure gives up
        name="pool",
    )
    return pool, gate, seen


@contextlib.asynccontextmanager
async def a_member_draining(
    system: ActorSystem,
    clock: ManualClock,
    factory: Callable[..., Actor],
    held: asyncio.Event,
    release: asyncio.Event,
    *args: Any,
    queued: tuple[Any, ...] = (),
) -> AsyncIterator[tuple[PoolRef, ActorRef]]:
    """A pool of two, `factory(held, release, *args)`, whose member "1" leaves a shrink to
    one: it sets `held` at its "hold" and waits for `release`, so it drains (its handler
    suspended, `queued` told to it before the shrink) for the block. Leaving the block
    releases it and awaits the shrink."""
    pool = await system.spawn_pool(factory, held, release, *args, size=2)
    leaving = pool.members[1]
    leaving.tell("hold")
    await held.wait()
    for message in queued:
        leaving.tell(message)
    resizing = asyncio.ensure_future(pool.resize(1))  # "1" leaves: the highest running
    try:
        await clock.settle()  # it drains, its handler still suspended
        yield pool, leaving
    finally:
        release.set()
        await resizing
