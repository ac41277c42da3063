"""A durable actor reached over NATS: the store's errors its handler raises reach the remote
asker as the same actorkit types, so `except PersistenceError` works across systems too."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from actorkit import ActorSystem, PersistenceConflict, PersistenceError
from actorkit.persistence import DurableState, MemoryStore

from .nats_support import SAFETY, NatsServer, requires_nats, transport

pytestmark = requires_nats


class FailingStore(MemoryStore):
    """Saves fail with `failure` while it is set."""

    failure: PersistenceError | None = None

    async def save_state(self, persistence_id: str, expected_revision: int, payload: bytes) -> int:
        if self.failure is not None:
            raise self.failure
        return await super().save_state(persistence_id, expected_revision, payload)


class Setting(DurableState):
    async def receive(self, message: Any) -> Any:
        if message != "get":
            await self.save(message)
        return self.state


@pytest.mark.parametrize(
    "failure", [PersistenceError("the database is gone"), PersistenceConflict("written first")]
)
async def test_a_remote_ask_whose_persist_fails_raises_the_store_error(
    server: NatsServer, failure: PersistenceError
) -> None:
    store = FailingStore()
    owner = ActorSystem("owner", store=store, transport=transport(server))
    asker = ActorSystem("asker", transport=transport(server))
    async with asyncio.timeout(SAFETY), owner, asker:
        owner.expose(await owner.spawn(Setting, name="setting"))
        remote = asker.remote("owner", "/setting")
        assert await remote.ask("light") == "light"
        store.failure = failure
        with pytest.raises(type(failure), match=str(failure)) as raised:
            await remote.ask("dark")
        assert type(raised.value) is type(failure)
        store.failure = None
        assert await remote.ask("get") == "light"  # restarted, recovered what was saved
