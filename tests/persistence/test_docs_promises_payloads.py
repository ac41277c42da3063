"""Promises of docs/persistence.md about a store's `max_payload` that no other test pinned, each
test naming the sentence it keeps: an event or a reminder's message over it fails `persist`
or `reminders.start` with the store's words and writes nothing; a snapshot over it is skipped
with a warning."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import pytest

from actorkit import ActorSystem
from actorkit.persistence import MemoryStore, PersistenceError
from actorkit.testing import instance

from .docs_promises_support import Log, journal

pytestmark = pytest.mark.timeout(30)


class Snapshotted(Log):
    snapshot_every = 1


async def test_an_event_over_max_payload_fails_persist_with_the_stores_words() -> None:
    """ "An actor's `persist` ... then fails with a `PersistenceError` carrying that message",
    and nothing is written: the next persist that fits is the journal's first event."""
    store = MemoryStore()
    store.max_payload = 200
    async with asyncio.timeout(10), ActorSystem("docs", store=store) as system:
        ref = await system.spawn(Log, name="log")
        actor: Any = instance(ref)
        with pytest.raises(
            PersistenceError,
            match=r"an append is too large to store: 30\d bytes encoded, over the store's "
            "max_payload of 200",
        ):
            await actor.persist("x" * 300)
        assert await journal(store, "/log") == []
        await actor.persist("fits")
        assert [seq async for seq, _, _ in store.events("/log")] == [1]
        assert await ref.ask("get") == ["fits"]


async def test_a_reminder_message_over_max_payload_fails_start_with_the_stores_words() -> None:
    """ "An actor's ... `reminders.start` then fails with a `PersistenceError` carrying that
    message"; nothing is stored."""
    store = MemoryStore()
    store.max_payload = 200
    async with asyncio.timeout(10), ActorSystem("docs", store=store) as system:
        actor: Any = instance(await system.spawn(Log, name="log"))
        with pytest.raises(
            PersistenceError, match=r"a reminder's message is too large to store: 30\d bytes"
        ):
            await actor.reminders.start("k", "x" * 300, delay=60.0)
        assert await store.reminders("/log") == []


async def test_a_snapshot_over_max_payload_is_skipped_with_a_warning_and_persist_returns(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """ "(a snapshot is skipped with a warning, as when its store write fails)": the persist's
    event is stored and applied, and recovery replays from the previous snapshot."""
    store = MemoryStore()
    store.max_payload = 200
    async with asyncio.timeout(10), ActorSystem("docs", store=store) as system:
        ref = await system.spawn(Snapshotted, name="log")
        actor: Any = instance(ref)
        await actor.persist("x" * 120)
        with caplog.at_level(logging.WARNING, logger="actorkit"):
            await actor.persist("y" * 120)  # fits; the snapshot of both events does not
        warned = [r for r in caplog.records if "snapshot of /log at 2 not saved" in r.message]
        assert [r.levelno for r in warned] == [logging.WARNING]
        assert "too large to store" in warned[0].message
        snapshot = await store.load_snapshot("/log")
        assert snapshot is not None and snapshot.seq == 1
        await ref.stop()
        again = await system.spawn(Snapshotted, name="log")
        assert await again.ask("get") == ["x" * 120, "y" * 120]
