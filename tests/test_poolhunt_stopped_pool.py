"""A pool stopped between an ask's call and its await, under every routing: the ask was not
delivered (`NotDelivered`, safe to retry), whether its member was chosen at the call or is
chosen at the await (docs/api.md §9 Router); what is told or sent to the stopped pool is a
dead letter `stopped`, and nothing is left unaccounted for."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from actorkit import Actor, ActorSystem, NotDelivered

ROUTINGS = ("round_robin", "random", "least_loaded", "consistent_hash", "broadcast")


class Named(Actor):
    async def receive(self, message: Any) -> Any:
        return self.name


@pytest.mark.parametrize("routing", ROUTINGS)
async def test_an_ask_made_before_the_pool_stopped_is_not_delivered(routing: str) -> None:
    async with asyncio.timeout(5.0), ActorSystem() as system:
        hash_key = (lambda message: message) if routing == "consistent_hash" else None
        pool = await system.spawn_pool(Named, size=2, routing=routing, hash_key=hash_key)
        early = pool.ask("early", timeout=5.0)
        await pool.stop()
        with pytest.raises(NotDelivered):
            await early
        with pytest.raises(NotDelivered):
            await pool.ask("late", timeout=5.0)
        pool.tell("told")
        await pool.send("sent")
        assert system.dead_letters.by_reason == {"stopped": 2}
        assert system.accounting().balanced
