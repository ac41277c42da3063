"""A stored reminder whose message no longer decodes fails its owner's recovery; the error
names both ways out docs/persistence.md gives ("Two live owners, and messages that no longer
decode": register the type again, or delete the reminder), with the very call that deletes
it, as the error for a reminder no timer can take already does. A reminder whose type was
removed on purpose is ended by deleting it, not by registering a class again."""

from __future__ import annotations

import asyncio
from typing import Any

import msgspec
import pytest

from actorkit import ActorSystem
from actorkit._wire import _EXT_OBJECT
from actorkit.persistence import DurableState, MemoryStore, PersistenceError, StoredReminder
from actorkit.testing import ManualClock

GONE = msgspec.msgpack.encode(
    [msgspec.msgpack.Ext(_EXT_OBJECT, msgspec.msgpack.encode(["gone.Tick", {"n": 1}]))]
)
"""A reminder message of a type no class is registered as any more (a deploy removed it)."""


class Owner(DurableState):
    async def receive(self, message: Any) -> Any:
        return message


@pytest.mark.parametrize("payload", [GONE, b"\xc1"], ids=["gone", "bytes"])
async def test_the_error_names_the_call_that_deletes_the_reminder(payload: bytes) -> None:
    store = MemoryStore()
    async with asyncio.timeout(10):
        async with ActorSystem("bad", store=store, clock=ManualClock()) as system:
            await store.put_reminder("/owner", StoredReminder("it's", 10.0, None, payload))
            with pytest.raises(PersistenceError) as raised:
                await system.spawn(Owner, name="owner")
            said = str(raised.value)
            assert said.startswith("reminder \"it's\" of '/owner' does not decode: ")
            delete = "await store.delete_reminder('/owner', \"it's\")"
            assert f"or delete the reminder: {delete}" in said
            assert await store.delete_reminder("/owner", "it's")
            await system.spawn(Owner, name="owner")
