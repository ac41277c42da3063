"""What durable actors show: metrics by actor class (events persisted, persist latency,
recovery time and events replayed), the store's commits, and `/actors` nodes with their
persistence id and sequence number."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from actorkit import Actor, ActorSystem
from actorkit.persistence import DurableState, MemoryStore, PersistenceError
from actorkit.testing import actor_tree

from .durable_support import Teller

pytestmark = pytest.mark.timeout(30)


class Note(DurableState):
    async def receive(self, message: Any) -> Any:
        await self.save(message)


async def test_persists_recoveries_and_commits_are_counted_by_actor_class() -> None:
    async with ActorSystem("m", store=MemoryStore()) as system:
        teller = await system.spawn(Teller, name="t")
        await teller.ask(3)
        await teller.ask(2)
        teller.tell("crash")
        await teller.ask(0)  # restarted: replayed 5
        registry = system.metrics.registry

        def sample(name: str, **labels: str) -> float | None:
            return registry.get_sample_value(name, labels)

        assert sample("actorkit_events_persisted_total", actor_type="Teller") == 5
        assert sample("actorkit_events_replayed_total", actor_type="Teller") == 5
        assert sample("actorkit_persist_seconds_count", actor_type="Teller") == 2
        assert sample("actorkit_recovery_seconds_count", actor_type="Teller") == 2
        assert sample("actorkit_store_commit_writes_count") == 2  # one commit per append
        assert sample("actorkit_store_commit_writes_sum") == 2
        for timed in ("actorkit_persist_seconds_sum", "actorkit_recovery_seconds_sum"):
            assert (sample(timed, actor_type="Teller") or 0) > 0


async def test_a_commit_is_observed_with_its_writes_and_its_time() -> None:
    async with asyncio.timeout(10), ActorSystem("m", store=(store := MemoryStore())) as system:
        assert store.on_commit is not None
        store.on_commit(3, 0.25)  # as a store reports a batch of three
        registry = system.metrics.registry
        writes = "actorkit_store_commit_writes"
        assert registry.get_sample_value(f"{writes}_sum") == 3
        assert registry.get_sample_value(f"{writes}_bucket", {"le": "1.0"}) == 0
        assert registry.get_sample_value(f"{writes}_bucket", {"le": "4.0"}) == 1
        assert registry.get_sample_value("actorkit_store_commit_seconds_sum") == 0.25


async def test_saves_are_counted_by_actor_class_and_timed_with_the_persists() -> None:
    async with asyncio.timeout(10):
        async with ActorSystem("m", store=MemoryStore()) as system:
            note = await system.spawn(Note, name="n")
            for value in range(5):
                await note.ask(value)
            registry = system.metrics.registry
            labels = {"actor_type": "Note"}
            assert registry.get_sample_value("actorkit_states_saved_total", labels) == 5
            assert registry.get_sample_value("actorkit_persist_seconds_count", labels) == 5
            assert registry.get_sample_value("actorkit_events_persisted_total", labels) == 0


async def test_actors_shows_persistence_id_and_sequence_number_of_durable_actors() -> None:
    async with ActorSystem("tree", store=MemoryStore()) as system:
        teller = await system.spawn(Teller, name="t", persistence_id="teller-1")
        note = await system.spawn(Note, name="n")
        plain = await system.spawn(Actor, name="plain")
        await teller.ask(4)
        await note.ask("v1")
        await note.ask("v2")
        nodes = {node["path"]: node for node in actor_tree(system)["actors"]}
        assert nodes["/t"]["persistence_id"] == "teller-1"
        assert nodes["/t"]["sequence_nr"] == 4
        assert (nodes["/n"]["persistence_id"], nodes["/n"]["sequence_nr"]) == ("/n", 2)
        assert "persistence_id" not in nodes[plain.path]


async def test_durable_actors_work_with_metrics_off() -> None:
    async with ActorSystem("quiet", store=(store := MemoryStore()), metrics=False) as system:
        teller = await system.spawn(Teller, name="t")
        await teller.ask(2)
        teller.tell("crash")
        await teller.ask(1)
        assert len([e async for e in store.events("/t")]) == 3


async def test_an_observer_set_on_the_store_sees_its_commits_beside_the_metrics() -> None:
    """The system's metrics join a commit observer the user set on the store, not replace it."""
    store = MemoryStore()
    mine: list[int] = []
    store.on_commit = lambda writes, seconds: mine.append(writes)
    async with asyncio.timeout(10), ActorSystem("m", store=store) as system:
        await (await system.spawn(Teller, name="t")).ask(2)
        registry = system.metrics.registry
        assert registry.get_sample_value("actorkit_store_commit_writes_count") == 1
    assert mine == [1]


class _DownOnce(MemoryStore):
    """A store whose first open fails, as a database not up yet."""

    tries = 0

    async def open(self) -> None:
        self.tries += 1
        if self.tries == 1:
            raise PersistenceError("the database is not up yet")
        await super().open()


async def test_a_failed_open_leaves_the_stores_observer_as_it_was() -> None:
    """A start retried on the same store after a failed open: each try must not leave one
    more observer in front of the user's (a retry loop would grow the chain every commit
    runs through, and keep every failed system's metrics alive)."""
    store = _DownOnce()
    mine: list[int] = []
    observer = store.on_commit = lambda writes, seconds: mine.append(writes)
    with pytest.raises(PersistenceError):
        async with ActorSystem("m", store=store):
            pass
    assert store.on_commit is observer
    async with asyncio.timeout(10), ActorSystem("m", store=store) as system:
        await (await system.spawn(Teller, name="t")).ask(2)
        registry = system.metrics.registry
        assert registry.get_sample_value("actorkit_store_commit_writes_count") == 1
    assert mine == [1]


async def test_without_metrics_a_failed_open_leaves_the_store_free_for_a_retry() -> None:
    """Nothing was put in front of the store's observer, and the store serves no system: the
    start tried again opens it."""
    store = _DownOnce()
    mine: list[int] = []
    observer = store.on_commit = lambda writes, seconds: mine.append(writes)
    with pytest.raises(PersistenceError, match="not up yet"):
        async with ActorSystem("m", store=store, metrics=False):
            pass
    assert store.on_commit is observer
    async with asyncio.timeout(10), ActorSystem("m", store=store, metrics=False) as system:
        await (await system.spawn(Teller, name="t")).ask(2)
    assert mine == [1]
