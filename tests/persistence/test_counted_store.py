"""`CountedStore`: every call an actor makes on the store is in flight in `StoreCalls`, named,
for as long as the store takes, so that `ManualClock.settle` waits for each kind of call."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest

from actorkit._store_calls import StoreCalls
from actorkit.persistence import MemoryStore, StoredEvent, StoredReminder
from actorkit.persistence._counted import CountedStore

pytestmark = pytest.mark.timeout(10)


class Gated(MemoryStore):
    """Holds each call at `gate`, signalling `entered`."""

    def __init__(self) -> None:
        super().__init__()
        self.gate = asyncio.Event()
        self.entered = asyncio.Event()

    async def held(self) -> None:
        self.entered.set()
        await self.gate.wait()

    def __getattribute__(self, name: str) -> Any:
        method = super().__getattribute__(name)
        if name in {"highest_seq", "save_snapshot", "load_snapshot", "put_reminder", "reminders"}:

            async def gated(*args: Any) -> Any:
                await self.held()
                return await method(*args)

            return gated
        return method

    async def read(self, persistence_id: str, from_seq: int = 1) -> AsyncIterator[StoredEvent]:
        await self.held()
        async for stored in super().read(persistence_id, from_seq):
            yield stored


def first_row(store: CountedStore) -> Awaitable[StoredEvent]:
    return anext(aiter(store.read("/a", 2)))


CALLS: dict[str, Callable[[CountedStore], Awaitable[object]]] = {
    "read": first_row,
    "highest_seq": lambda store: store.highest_seq("/a"),
    "save_snapshot": lambda store: store.save_snapshot("/a", 1, b"s"),
    "load_snapshot": lambda store: store.load_snapshot("/a"),
    "put_reminder": lambda store: store.put_reminder("/a", StoredReminder("k", 1.0, None, b"")),
    "load_recovery": lambda store: store.load_recovery("/a", True),  # one call, two reads
}


@pytest.mark.parametrize("method", sorted(CALLS))
async def test_a_call_is_in_flight_while_the_store_takes_it(method: str) -> None:
    inner = Gated()
    await inner.open()
    await inner.append("/a", 0, [b"1", b"2"])
    calls = StoreCalls()
    store = CountedStore(inner, calls)
    call = asyncio.ensure_future(CALLS[method](store))
    await inner.entered.wait()
    assert len(calls) == 1
    assert calls.describe().startswith(f"Gated.{method}('/a') for ")
    inner.gate.set()
    result = await call
    assert len(calls) == 0
    if method == "read":
        assert isinstance(result, StoredEvent) and result.seq == 2
