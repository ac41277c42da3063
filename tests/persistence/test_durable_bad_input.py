"""The bad-input table of durable actors: each mistake is refused at once, before anything is
written, with an error that says what to change."""

from __future__ import annotations

import asyncio
import dataclasses
from pathlib import Path
from typing import Any

import pytest

import actorkit
from actorkit import ActorSystem, NameTaken
from actorkit.persistence import (
    DurableState,
    EventSourced,
    MemoryStore,
    PersistenceError,
    SQLiteStore,
)

from .durable_support import Deposited, Unregistered, journal

pytestmark = pytest.mark.timeout(30)


class Ledger(EventSourced):
    def __init__(self) -> None:
        self.total = 0

    def apply(self, event: Any) -> None:
        self.total += event.amount

    async def receive(self, message: Any) -> Any:
        await self.persist(message)
        return self.total


class BadSnapshot(Ledger):
    snapshot_every = 2

    def snapshot(self) -> object:
        return Unregistered(self.total)

    def restore(self, snapshot: Any) -> None:  # pragma: no cover - never stored
        self.total = snapshot


async def test_an_unregistered_event_type_is_a_type_error_and_nothing_is_written() -> None:
    async with ActorSystem("bad", store=(store := MemoryStore())) as system:
        ledger = await system.spawn(Ledger, name="ledger")
        with pytest.raises(TypeError, match=r"event cannot be stored: .*@actorkit.message"):
            await ledger.ask(Unregistered(1))
        assert await journal(store, "/ledger") == []


async def test_an_int_too_big_to_store_in_an_event_is_a_type_error_and_nothing_is_written() -> None:
    async with ActorSystem("bad", store=(store := MemoryStore())) as system:
        ledger = await system.spawn(Ledger, name="ledger")
        await ledger.ask(Deposited(1))
        with pytest.raises(TypeError, match=r"event cannot be stored: .*does not fit in 64 bits"):
            await ledger.ask(Deposited(2**64))
        assert await journal(store, "/ledger") == [Deposited(1)]


@actorkit.message
@dataclasses.dataclass(frozen=True)
class Entry:
    amount: int


@actorkit.message
@dataclasses.dataclass(frozen=True)
class Annotated:
    entry: Entry


@actorkit.message
@dataclasses.dataclass(frozen=True)
class Refund(Entry):
    reason: str = ""


class Entries(EventSourced):
    def __init__(self) -> None:
        self.seen: list[object] = []

    def apply(self, event: Any) -> None:
        self.seen.append(event)

    async def receive(self, message: Any) -> Any:
        await self.persist(*message)
        return len(self.seen)


@pytest.mark.parametrize(
    "event",
    [Entry(True), Entry(1.5), Annotated(Refund(1, "late"))],  # type: ignore[arg-type]
    ids=["bool-in-int", "float-in-int", "subclass-in-base-field"],
)
async def test_an_event_recovery_could_not_read_back_is_a_type_error_and_nothing_is_written(
    event: object, tmp_path: Path
) -> None:
    """It encodes, but its class's annotations refuse it on the way back: written, it would
    fail every later recovery of the actor, for good."""
    async with ActorSystem("bad", store=(store := SQLiteStore(tmp_path / "j.db"))) as system:
        entries = await system.spawn(Entries, name="entries")
        await entries.ask([Entry(1)])
        with pytest.raises(TypeError, match=r"event cannot be stored: it would not be read back"):
            await entries.ask([Entry(2), event])  # all or none: Entry(2) is not written either
        assert await journal(store, "/entries") == [Entry(1)]
    async with ActorSystem("bad", store=SQLiteStore(tmp_path / "j.db")) as system:  # recovers
        entries = await system.spawn(Entries, name="entries")
        assert await entries.ask([Annotated(Entry(3))]) == 2


async def test_a_snapshot_that_cannot_be_encoded_is_logged_and_the_persist_returns(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Its events are stored and applied: the persist succeeded (Akka fails no persist for a
    snapshot), so its asker does not send the command again to store them twice."""
    async with ActorSystem("bad", store=(store := MemoryStore())) as system:
        ledger = await system.spawn(BadSnapshot, name="ledger")
        await ledger.ask(Deposited(1))
        assert await ledger.ask(Deposited(2)) == 3
        assert len(await journal(store, "/ledger")) == 2
        assert await store.load_snapshot("/ledger") is None
    assert "snapshot() of BadSnapshot cannot be stored" in caplog.text


class RaisingSnapshot(Ledger):
    snapshot_every = 2

    def snapshot(self) -> object:
        raise RuntimeError("no snapshot today")

    def restore(self, snapshot: Any) -> None:  # pragma: no cover - never stored
        self.total = snapshot


async def test_a_snapshot_hook_that_raises_is_logged_and_the_persist_returns(
    caplog: pytest.LogCaptureFixture,
) -> None:
    async with ActorSystem("bad", store=(store := MemoryStore())) as system:
        ledger = await system.spawn(RaisingSnapshot, name="ledger")
        await ledger.ask(Deposited(1))
        assert await ledger.ask(Deposited(2)) == 3
        assert await ledger.ask(Deposited(4)) == 7  # the same instance: nothing failed
        assert len(await journal(store, "/ledger")) == 3
    assert "no snapshot today" in caplog.text


class Notes(DurableState):
    async def receive(self, message: Any) -> Any:
        await self.save(message)
        return self.state


async def test_a_state_over_the_stores_max_payload_is_refused_with_its_size() -> None:
    """The store's `ValueError`, which the handler sees as the `PersistenceError` of a save."""
    store = MemoryStore()
    store.max_payload = 100
    async with ActorSystem("big", store=store) as system:
        notes = await system.spawn(Notes, name="notes")
        with pytest.raises(
            PersistenceError,
            match=r"'/notes': a state is too large to store: 20\d bytes encoded, over the "
            "store's max_payload of 100",
        ):
            await notes.ask("x" * 200)
        assert await store.load_state("/notes") is None
        assert await notes.ask("fits") == "fits"


async def test_a_durable_actor_on_a_system_without_a_store_says_how_to_add_one() -> None:
    async with ActorSystem("nostore") as system:
        with pytest.raises(ValueError, match=r"has no store: pass one, e.g. ActorSystem\("):
            await system.spawn(Ledger, name="ledger")
        assert system.lookup("/ledger") is None
        with pytest.raises(ValueError, match="has no store"):
            await system.spawn(DurableState)


@pytest.mark.parametrize(
    ("persistence_id", "error", "match"),
    [
        ("", ValueError, "non-empty str of at most 1024 characters"),
        ("x" * 1025, ValueError, "non-empty str of at most 1024 characters"),
        ("\U0001f600" * 257, ValueError, r"at most 1024 characters \(bytes of UTF-8\)"),
        ("acct-\udcff", ValueError, "must be text UTF-8 can encode"),
        (42, TypeError, "persistence_id must be a str"),
        ("acct\x0042", ValueError, r"must not contain NUL .* remove or replace it"),
    ],
)
async def test_a_bad_persistence_id_is_refused_before_the_actor_exists(
    persistence_id: object, error: type[Exception], match: str
) -> None:
    async with ActorSystem("ids", store=MemoryStore()) as system:
        with pytest.raises(error, match=match):
            await system.spawn(Ledger, name="ledger", persistence_id=persistence_id)  # type: ignore[arg-type]
        assert system.lookup("/ledger") is None


class Spawner(actorkit.Actor):
    async def receive(self, message: Any) -> Any:
        return await self.spawn(Ledger, name="child", persistence_id=message)


async def test_a_persistence_id_a_live_actor_has_is_refused_at_spawn_until_it_stops() -> None:
    """Two live instances of one id in one system would only meet at the second one's write
    (a conflict, and a lost command): `spawn` says so at once, as for a sibling's name."""
    async with asyncio.timeout(10):
        async with ActorSystem("ids", store=MemoryStore()) as system:
            web = await system.spawn(Ledger, name="web", persistence_id="order-1")
            await web.ask(Deposited(1))
            taken = r"persistence id 'order-1' is in use by /web, a live actor of this system"
            with pytest.raises(NameTaken, match=taken):
                await system.spawn(Ledger, name="api", persistence_id="order-1")
            assert system.lookup("/api") is None
            spawner = await system.spawn(Spawner, name="spawner")
            with pytest.raises(NameTaken, match=taken):
                await spawner.ask("order-1")
            await system.spawn(Ledger, name="plain")  # its id is its path
            with pytest.raises(NameTaken, match="persistence id '/plain' is in use by /plain"):
                await spawner.ask("/plain")
            with pytest.raises(TypeError, match="event cannot be stored"):
                await web.ask(Unregistered(1))  # a restart: the same actor keeps its id
            assert await web.ask(Deposited(2)) == 3
            await web.stop()
            api = await system.spawn(Ledger, name="api", persistence_id="order-1")
            assert await api.ask(Deposited(4)) == 7
            assert system.healthy


class Chain(actorkit.Actor):
    async def receive(self, message: Any) -> Any:
        if message == 0:
            return await self.spawn(Ledger, name="z" * 255)
        child = await self.spawn(Chain, name="c" * 255)
        return await child.ask(message - 1)


async def test_a_path_too_long_for_a_persistence_id_asks_for_a_shorter_one() -> None:
    async with ActorSystem("ids", store=MemoryStore()) as system:
        top = await system.spawn(Chain, name="top")
        with pytest.raises(ValueError, match="pass persistence_id= to spawn"):
            await top.ask(3)  # /top, three 255-character names, then the ledger: 1028
        assert (await top.ask(2)).path.endswith("z" * 255)


async def test_persistence_id_for_an_actor_that_is_not_durable_is_refused() -> None:
    async with ActorSystem("ids", store=MemoryStore()) as system:
        with pytest.raises(ValueError, match="persistence_id is for durable actors"):
            await system.spawn(actorkit.Actor, persistence_id="x")
        with pytest.raises(ValueError, match="persistence_id is for durable actors"):
            await system.spawn(lambda: Ledger(), persistence_id="x")


def test_snapshot_every_must_be_a_count() -> None:
    with pytest.raises(ValueError, match="snapshot_every must be an int >= 0"):

        class Negative(Ledger):
            snapshot_every = -1


class NoApply(EventSourced):
    async def receive(self, message: Any) -> Any:  # pragma: no cover - never spawned
        await self.persist(message)


async def test_an_event_sourced_class_without_apply_is_refused_at_spawn_before_any_write() -> None:
    """A base class may leave `apply` to its subclasses; an actor may not: its first persist
    would write the event and then fail, and so would every recovery after it."""
    async with asyncio.timeout(10):
        async with ActorSystem("apply", store=(store := MemoryStore())) as system:
            with pytest.raises(TypeError, match=r"NoApply defines no apply\(self, event\)"):
                await system.spawn(NoApply, name="a")
            assert system.lookup("/a") is None
            assert system.healthy
            assert await journal(store, "/a") == []


@pytest.mark.parametrize("hook", ["apply", "snapshot", "restore"])
def test_an_async_apply_snapshot_or_restore_is_refused_where_the_class_is_defined(
    hook: str,
) -> None:
    async def coroutine(self: object, value: object = None) -> None:  # pragma: no cover
        pass

    async def generator(self: object, value: object = None) -> Any:  # pragma: no cover
        yield

    for method in (coroutine, generator):
        with pytest.raises(TypeError, match=rf"Hooked\.{hook} must be a plain def, not async"):
            type("Hooked", (Ledger,), {hook: method})


def test_a_store_that_is_not_a_store_is_a_type_error() -> None:
    with pytest.raises(TypeError, match="store must be a store such as"):
        ActorSystem("x", store="sqlite:///x.db")  # type: ignore[arg-type]


async def test_a_store_that_cannot_open_fails_start_and_leaves_nothing_running(
    tmp_path: Path,
) -> None:
    system = ActorSystem("ro", store=SQLiteStore(tmp_path / "no such directory" / "x.db"))
    with pytest.raises(PersistenceError):
        await system.start()
    assert not system.healthy
    with pytest.raises(RuntimeError, match="is not started"):
        await system.spawn(Ledger)
