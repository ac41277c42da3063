"""An outside hunt over recovery: a restart whose recovery fails, as the parent sees it;
persistence ids that a SQL store could confuse (case, spaces, LIKE's wildcards, quotes,
Unicode normal forms, 1024 bytes of 4-byte characters); and a snapshot followed by a
journal tail, read back after the event class changed shape (API.md §11,
docs/persistence.md "Recovery", "Changing stored classes between deploys")."""

from __future__ import annotations

import asyncio
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from actorkit import Actor, ActorSystem, OneForOne, SupervisorGaveUp, Terminated
from actorkit.persistence import EventSourced, MemoryStore, PersistenceError, StoredRecovery

from .durable_support import MakeStore, store_maker
from .evolution_support import deploy, versions

pytestmark = pytest.mark.timeout(30)
__all__ = ["versions"]  # the fixture


@pytest.fixture(params=["memory", "sqlite"])
def make(request: pytest.FixtureRequest, tmp_path: Path) -> MakeStore:
    return store_maker(request, tmp_path)


class Log(EventSourced):
    snapshot_every = 2
    applied: list[object] = []
    """Every event applied by any instance, in order: what a recovery replayed."""

    def __init__(self) -> None:
        self.log: list[object] = []

    def apply(self, event: Any) -> None:
        Log.applied.append(event)
        self.log.append(event)

    async def receive(self, message: Any) -> Any:
        if message == "crash":
            raise RuntimeError("crash")
        if message != "log":
            await self.persist(message)
        return self.log


class BrokenRecovery(MemoryStore):
    failing = False

    async def load_recovery(self, persistence_id: str, journal: bool) -> StoredRecovery:
        if self.failing:
            raise PersistenceError("the database is gone")
        return await super().load_recovery(persistence_id, journal)


class Parent(Actor):
    supervisor_strategy = OneForOne(max_restarts=2, within=60.0)

    async def on_start(self) -> None:
        self.child = await self.spawn(Log, name="c")

    async def receive(self, message: Any) -> Any:
        return self.child


class Watcher(Actor):
    def __init__(self, target: Any, seen: asyncio.Future[Terminated]) -> None:
        self.target = target
        self.seen = seen

    async def on_start(self) -> None:
        self.watch(self.target)

    async def receive(self, message: Any) -> Any:
        if isinstance(message, Terminated) and not self.seen.done():
            self.seen.set_result(message)


async def test_a_parent_whose_child_cannot_recover_gives_up_with_the_store_s_error() -> None:
    store = BrokenRecovery()
    async with ActorSystem("p", store=store) as system:
        parent = await system.spawn(Parent, name="parent", restart="temporary")
        child = await parent.ask("child")
        assert await child.ask(1) == [1]
        seen: asyncio.Future[Terminated] = asyncio.get_running_loop().create_future()
        await system.spawn(Watcher, parent, seen)
        store.failing = True
        child.tell("crash")  # each restart's recovery fails, until the parent gives up
        stopped = await asyncio.wait_for(seen, 10.0)
        assert isinstance(stopped.reason, SupervisorGaveUp)
        assert "/parent/c failed with PersistenceError('the database is gone')" in str(
            stopped.reason
        )
        assert isinstance(stopped.reason.__cause__, PersistenceError)
        assert not child.is_alive
        assert system.failure is None  # temporary: the root lets it go
        store.failing = False
        again = await system.spawn(Log, name="again", persistence_id="/parent/c")
        assert await again.ask("log") == [1]


NFC = unicodedata.normalize("NFC", "caf\u00e9")
NFD = unicodedata.normalize("NFD", "caf\u00e9")
IDS = [
    "acct", "ACCT", "acct ", " acct", "acct%", "acct_", "%", "_", "'", '"', "a'); --",
    NFC, NFD, "\U0001f600" * 256, "x" * 1024, "\t", "a\nb", "\\", "\u200b", "a/b", "/acct",
]  # fmt: skip


async def test_ids_a_sql_store_could_confuse_keep_journals_of_their_own(make: MakeStore) -> None:
    assert NFC != NFD
    assert len("\U0001f600".encode()) * 256 == 1024
    for run in range(2):
        async with ActorSystem("ids", store=make()) as system:
            for index, persistence_id in enumerate(IDS):
                ref = await system.spawn(Log, name=f"a{index}", persistence_id=persistence_id)
                assert await ref.ask("log") == [index] * run, persistence_id
                await ref.ask(index)
                await ref.stop()
    async with make() as store:
        for index, persistence_id in enumerate(IDS):
            assert [e async for _, _, e in store.events(persistence_id)] == [index, index]


@dataclass(frozen=True)
class Moved:
    to: str


@dataclass(frozen=True)
class MovedV2:
    to: str
    floor: int = 0


@pytest.mark.usefixtures("versions")
async def test_a_snapshot_and_its_tail_are_read_by_the_next_version_of_the_event(
    make: MakeStore,
) -> None:
    """Five events under version 1, a snapshot at 4 (the default one: the log holds the
    events themselves); version 2 adds a field with a default. Recovery restores the
    snapshot, with version 2's objects in it, and replays only event 5."""
    deploy({"dh2.Moved": Moved})
    async with ActorSystem("v1", store=make()) as system:
        ref = await system.spawn(Log, name="m")
        for room in "abcde":
            await ref.ask(Moved(room))
    deploy({"dh2.Moved": MovedV2})
    Log.applied = []
    async with ActorSystem("v2", store=make()) as system:
        ref = await system.spawn(Log, name="m")
        assert await ref.ask("log") == [MovedV2(room) for room in "abcde"]
        assert Log.applied == [MovedV2("e")]
        await ref.ask(MovedV2("f", floor=2))  # crosses 6: a snapshot of version 2
    Log.applied = []
    async with ActorSystem("v2", store=make()) as system:
        ref = await system.spawn(Log, name="m")
        log = await ref.ask("log")
        assert log == [*(MovedV2(room) for room in "abcde"), MovedV2("f", floor=2)]
        assert Log.applied == []
