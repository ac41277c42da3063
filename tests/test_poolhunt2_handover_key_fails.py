"""A publish that waited in a restarting `consistent_hash` pool's own mailbox meets its
`hash_key` only when the pool hands it over: a key that raises, or cannot be hashed, makes it
one dead letter `undeliverable`, logged once (docs/api.md §9, Router), and the rest of what
waited is handed over behind it, in order, with nothing else lost."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import pytest

from actorkit import Actor, ActorSystem, OneForOne
from actorkit.testing import ManualClock


def key_of(message: str) -> object:
    if message == "keyless":
        raise KeyError("no key in this message")
    if message == "unhashable":
        return ["a", "list"]
    return message


class Member(Actor):
    def __init__(self, gate: asyncio.Event, seen: list[Any]) -> None:
        self.gate, self.seen = gate, seen

    async def on_start(self) -> None:
        await self.gate.wait()

    async def receive(self, message: Any) -> None:
        if message == "fail":
            raise RuntimeError("the member failed")
        self.seen.append(message)


async def test_a_published_key_that_fails_at_the_hand_over_is_one_dead_letter(
    clock: ManualClock, caplog: pytest.LogCaptureFixture
) -> None:
    async with asyncio.timeout(5.0), ActorSystem(clock=clock) as system:
        gate, seen = asyncio.Event(), list[Any]()
        gate.set()
        pool = await system.spawn_pool(
            Member,
            gate,
            seen,
            size=2,
            routing="consistent_hash",
            hash_key=key_of,
            supervisor=OneForOne(max_restarts=0),  # a member's failure restarts the pool
            name="pool",
        )
        system.subscribe(pool, "news")
        gate.clear()
        pool.members[0].tell("fail")
        await clock.settle()  # the pool restarts: its new members wait in their on_start
        published = ["first", "keyless", "second", "unhashable", "third"]
        assert [system.publish("news", message) for message in published] == [1] * 5
        caplog.clear()
        with caplog.at_level(logging.ERROR, logger="actorkit"):
            gate.set()
            await clock.settle()

        assert sorted(seen) == ["first", "second", "third"]
        assert [(d.message, d.recipient, d.reason) for d in system.dead_letters.recent] == [
            ("keyless", "/pool", "undeliverable"),
            ("unhashable", "/pool", "undeliverable"),
        ]
        routed = [r.getMessage() for r in caplog.records if "could not route" in r.getMessage()]
        assert len(routed) == 2
        assert "KeyError" in routed[0] and "unhashable list" in routed[1]
        assert pool.is_alive and len(pool.members) == 2
        assert system.accounting().balanced
