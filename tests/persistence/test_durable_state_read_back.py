"""A DurableState save cancelled while another writer saved first: the read-back finds the next
revision, but not this save's value, so the instance keeps what it had and stays fenced."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from actorkit import ActorSystem
from actorkit.persistence import DurableState, MemoryStore, PersistenceConflict
from actorkit.persistence._payload import decode, encode

pytestmark = pytest.mark.timeout(30)


class RivalFirst(MemoryStore):
    """Saving "mine" finds that a rival saved "rival" as that revision first, and the
    caller is cancelled before its own write starts."""

    async def save_state(self, persistence_id: str, expected_revision: int, payload: bytes) -> int:
        if decode(payload) == "mine":
            await super().save_state(persistence_id, expected_revision, encode("rival"))
            raise asyncio.CancelledError
        return await super().save_state(persistence_id, expected_revision, payload)


class Profile(DurableState):
    async def receive(self, message: Any) -> Any:
        if message == "state":
            return self.state
        try:
            await self.save(message)
        except asyncio.CancelledError:
            return "gave up"
        except PersistenceConflict:
            return "conflict"
        return "saved"


async def test_a_cancelled_save_does_not_take_a_rival_s_revision_for_its_own() -> None:
    async with ActorSystem("s", store=(store := RivalFirst()), metrics=False) as system:
        profile = await system.spawn(Profile, name="p")
        assert await profile.ask("first") == "saved"
        assert await profile.ask("mine") == "gave up"
        assert await profile.ask("state") == "first"
        assert await profile.ask("later") == "conflict"  # stale: the rival's stays
        stored = await store.load_state("/p")
        assert stored is not None
        assert (stored.revision, decode(stored.payload)) == (2, "rival")
