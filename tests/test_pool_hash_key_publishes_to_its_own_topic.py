"""A `consistent_hash` pool's `hash_key` that publishes to a topic its own pool subscribes to
recurses without end. Python's `RecursionError` ends it, logged as the pool's failure to
route; the publish that began it still returns, and the pool runs on. The nested publishes
cut short then are not all accounted for (api.md §9 Router says so): finding them would
cost every routing of a publish to a pool a depth check, so the limit is documented instead."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import pytest

from actorkit import Actor, ActorSystem


class Echo(Actor):
    async def receive(self, message: Any) -> Any:
        return message


async def test_a_hash_key_publishing_to_its_own_topic_ends_and_the_pool_runs_on(
    caplog: pytest.LogCaptureFixture,
) -> None:
    async with asyncio.timeout(5), ActorSystem() as system:

        def key(message: Any) -> object:
            system.publish("t", message)  # its own topic: each routing publishes again
            return 0

        pool = await system.spawn_pool(Echo, size=2, routing="consistent_hash", hash_key=key)
        system.subscribe(pool, "t")
        with caplog.at_level(logging.ERROR, logger="actorkit"):
            assert system.publish("t", "news") in (0, 1)  # returns: it never raises
        assert any("could not route" in record.getMessage() for record in caplog.records)
        assert system.dead_letters.by_reason.get("undeliverable", 0) >= 1
        system.unsubscribe(pool)
        assert await pool.ask("after", timeout=2.0) == "after"
