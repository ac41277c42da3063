"""A recovery that fails is counted (`actorkit_recovery_failures_total`), whatever failed it:
the store, a stored event that no longer decodes, the actor's own `apply`; at a first spawn
(raised to the spawner, no crash report) or in a restart. `actorkit_recovery_seconds` times
the recoveries that finished, and only those: both by the actor's class, exported at 0 from
its first spawn, as every counter whose labels are known in advance is."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from actorkit import ActorSystem
from actorkit.persistence import EventSourced, MemoryStore, PersistenceError, StoredSnapshot
from actorkit.persistence._payload import encode

from ..metrics_truth_support import sample, scraped

pytestmark = pytest.mark.timeout(30)

FAILURES = "actorkit_recovery_failures_total"
FINISHED = "actorkit_recovery_seconds_count"
OF_CLASS = frozenset({("actor_type", "Counts")})


class Unreachable(MemoryStore):
    """Its next `unreachable` snapshot loads fail, as a store that is down would."""

    unreachable = 0

    async def load_snapshot(self, persistence_id: str) -> StoredSnapshot | None:
        if self.unreachable:
            self.unreachable -= 1
            raise PersistenceError("the store is unreachable")
        return await super().load_snapshot(persistence_id)


class Counts(EventSourced):
    def __init__(self) -> None:
        self.applied: list[Any] = []

    def apply(self, event: Any) -> None:
        if event == "boom":
            raise ValueError("apply refused boom")
        self.applied.append(event)

    async def receive(self, message: Any) -> Any:
        if message == "crash":
            raise RuntimeError("crash")
        await self.persist(message)
        return self.applied


@pytest.mark.parametrize("how", ["store", "bad event", "apply"])
async def test_a_recovery_that_fails_at_spawn_is_counted_and_not_timed(how: str) -> None:
    store = Unreachable()
    async with asyncio.timeout(10), ActorSystem("m", store=store) as system:
        ref = await system.spawn(Counts, name="c")
        assert scraped(system)[(FAILURES, OF_CLASS)] == 0  # there before the first one
        assert await ref.ask("a") == ["a"]
        await ref.stop()
        if how == "store":
            store.unreachable = 1
        else:
            await store.append("/c", 1, [b"\xc1" if how == "bad event" else encode("boom")])
        with pytest.raises(ValueError if how == "apply" else PersistenceError):
            await system.spawn(Counts, name="c")
        samples = scraped(system)
    assert sample(samples, FAILURES, actor_type="Counts") == 1
    assert sample(samples, FINISHED, actor_type="Counts") == 1  # the first spawn's


async def test_a_recovery_that_fails_in_a_restart_is_counted() -> None:
    """The supervisor restarts it again, and that recovery finishes."""
    store = Unreachable()
    async with asyncio.timeout(10), ActorSystem("m", store=store) as system:
        ref = await system.spawn(Counts, name="c")
        assert await ref.ask("a") == ["a"]
        store.unreachable = 1
        ref.tell("crash")
        assert await ref.ask("b") == ["a", "b"]  # waits out both restarts
        samples = scraped(system)
    assert sample(samples, FAILURES, actor_type="Counts") == 1
    assert sample(samples, FINISHED, actor_type="Counts") == 2  # the spawn's, the last restart's


class Held(MemoryStore):
    """Once `hold` is set, snapshot loads wait until the test releases them."""

    hold = False

    def __init__(self) -> None:
        super().__init__()
        self.loading = asyncio.Event()
        self.release = asyncio.Event()

    async def load_snapshot(self, persistence_id: str) -> StoredSnapshot | None:
        if self.hold:
            self.loading.set()
            await self.release.wait()
        return await super().load_snapshot(persistence_id)


async def test_a_recovery_cut_short_by_a_stop_is_no_failure() -> None:
    """Its actor stopped (forced) while it read the store: nothing failed, nothing is
    counted."""
    store = Held()
    async with asyncio.timeout(10), ActorSystem("m", store=store) as system:
        ref = await system.spawn(Counts, name="c")
        assert await ref.ask("a") == ["a"]
        store.hold = True
        ref.tell("crash")  # the restart's recovery waits in the store
        await store.loading.wait()
        await ref.stop(timeout=0)  # forced: a stop waits for a recovery under way
        store.release.set()
        samples = scraped(system)
    assert sample(samples, FAILURES, actor_type="Counts") == 0
    assert sample(samples, FINISHED, actor_type="Counts") == 1  # the spawn's
