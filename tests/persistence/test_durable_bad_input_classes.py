"""The bad-input table of durable actors, their classes and stores: a durable actor on a system
without a store, a bad `snapshot_every`, a class without `apply`, an async `apply`, `snapshot`
or `restore`, a store that is not one or cannot open: each refused at once, before anything
is written, with an error that says what to change."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

from actorkit import ActorSystem
from actorkit.persistence import (
    DurableState,
    EventSourced,
    MemoryStore,
    PersistenceError,
    SQLiteStore,
)

from .durable_bad_input_support import Ledger
from .durable_support import journal

pytestmark = pytest.mark.timeout(30)


async def test_a_durable_actor_on_a_system_without_a_store_says_how_to_add_one() -> None:
    async with ActorSystem("nostore") as system:
        with pytest.raises(ValueError, match=r"has no store: pass one, e.g. ActorSystem\("):
            await system.spawn(Ledger, name="ledger")
        assert system.lookup("/ledger") is None
        with pytest.raises(ValueError, match="has no store"):
            await system.spawn(DurableState)


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
