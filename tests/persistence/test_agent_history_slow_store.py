"""The agent history on a slow store: the changes held in memory, those buffered and those
being written together, stay within `MAX_BUFFERED`, whether the round in flight fails or
succeeds, and what does not fit is counted; the journal heads the writer keeps go with the
agents that stop, whether their `stopped` change is written or dropped."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

import pytest

from actorkit import ActorSystem
from actorkit.persistence import PersistenceError, _agent_history
from actorkit.persistence._history_buffer import FIRST_BACKOFF
from actorkit.testing import ManualClock

from .agent_history_support import LONG_NAME, Nest, Worker, changes, dropped
from .durable_support import SharedMemoryStore

pytestmark = pytest.mark.timeout(30)


class Slow(SharedMemoryStore):
    """Holds every append at `gate` (signalling `waiting`), then fails it while `down`."""

    def __init__(self) -> None:
        super().__init__()
        self.gate = asyncio.Event()
        self.waiting = asyncio.Event()
        self.down = False

    async def append(
        self, persistence_id: str, expected_seq: int, payloads: Sequence[bytes]
    ) -> float:
        self.waiting.set()
        await self.gate.wait()
        if self.down:
            raise PersistenceError("the database is gone")
        return await super().append(persistence_id, expected_seq, payloads)


@pytest.mark.parametrize("fails", [False, True], ids=["written", "failed"])
async def test_changes_being_written_count_against_the_bound(
    monkeypatch: pytest.MonkeyPatch, fails: bool
) -> None:
    monkeypatch.setattr(_agent_history, "MAX_BUFFERED", 2)
    store = Slow()
    clock = ManualClock()
    async with asyncio.timeout(10):
        async with ActorSystem("app", store=store, clock=clock, agent_history=True) as system:
            await system.spawn(Worker, name="a")
            await store.waiting.wait()  # a's change is being written: 1 held
            for name in ("b", "c", "d"):
                await system.spawn(Worker, name=name)
            assert dropped(system) == 2  # b's fits beside a's; c's and d's do not
            store.down = fails
            store.gate.set()
            if fails:
                await clock.advance(FIRST_BACKOFF)
                store.down = False
                await clock.advance(FIRST_BACKOFF * 2)
            assert changes(await system.agent_history("/a")) == [("idle", None)]
            assert changes(await system.agent_history("/b")) == [("idle", None)]
            assert await system.agent_history("/c") == []


async def test_an_agent_whose_stop_was_dropped_leaves_no_head_behind(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The writer forgets an agent's journal head when its `stopped` change is written; one
    that did not fit in the buffer must be forgotten too, or agents that come and go under a
    full buffer grow the writer's heads without bound."""
    monkeypatch.setattr(_agent_history, "MAX_BUFFERED", 1)
    store = Slow()
    store.gate.set()
    async with asyncio.timeout(10):
        async with ActorSystem("app", store=store, agent_history=True) as system:
            worker = await system.spawn(Worker, name="a")
            await system.agent_history("/a")  # written: its head is known
            writer = system._persistence.history  # type: ignore[union-attr]  # noqa: SLF001
            assert writer is not None
            heads = writer._heads  # noqa: SLF001 - what the writer keeps per agent
            assert len(heads) == 1
            store.gate.clear()
            store.waiting.clear()
            await system.spawn(Worker, name="b")
            await store.waiting.wait()  # b's change is being written: the buffer is full
            await worker.stop()
            assert dropped(system) == 1  # a's `stopped` did not fit
            store.gate.set()
            await system.agent_history("/b")
            assert "/a" not in heads


async def test_an_agent_whose_stop_was_written_leaves_no_head_behind() -> None:
    """The usual way out of the writer's heads: the agent's `stopped` change is written."""
    async with asyncio.timeout(10):
        async with ActorSystem("app", store=SharedMemoryStore(), agent_history=True) as system:
            stays = await system.spawn(Worker, name="stays")
            leaves = await system.spawn(Worker, name="leaves")
            await system.agent_history("/leaves")  # both written: their heads are known
            writer = system._persistence.history  # type: ignore[union-attr]  # noqa: SLF001
            assert writer is not None
            heads = writer._heads  # noqa: SLF001 - what the writer keeps per agent
            assert sorted(heads) == ["/leaves", "/stays"]
            await leaves.stop()
            history = await system.agent_history("/leaves")
            assert changes(history)[-1] == ("stopped", None)
            assert sorted(heads) == ["/stays"]
            assert dropped(system) == 0
            assert stays.is_alive


async def test_an_agent_that_stopped_while_its_change_was_written_leaves_no_head_behind(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Its `stopped` dropped while its earlier change is in flight: the write that ends after
    the stop must not remember a head that no later change of the agent would forget."""
    monkeypatch.setattr(_agent_history, "MAX_BUFFERED", 1)
    store = Slow()
    async with asyncio.timeout(10):
        async with ActorSystem("app", store=store, agent_history=True) as system:
            worker = await system.spawn(Worker, name="a")
            await store.waiting.wait()  # a's change is being written: the buffer is full
            await worker.stop()
            assert dropped(system) == 1  # a's `stopped` did not fit
            store.gate.set()
            assert changes(await system.agent_history("/a")) == [("idle", None)]
            writer = system._persistence.history  # type: ignore[union-attr]  # noqa: SLF001
            assert writer is not None
            assert dict(writer._heads) == {}  # noqa: SLF001 - what the writer keeps per agent


async def test_an_agent_too_deep_for_a_history_stops_cleanly_when_the_buffer_is_full(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Its path makes a persistence id no store takes. Its `stopped` change, dropped because
    the buffer is full, is counted like any other: the stop and the shutdown complete."""
    monkeypatch.setattr(_agent_history, "MAX_BUFFERED", 1)
    store = Slow()
    store.gate.set()
    async with asyncio.timeout(10):
        async with ActorSystem("app", store=store, agent_history=True) as system:
            path = await (await system.spawn(Nest, name=LONG_NAME)).ask(4)
            await system.agent_history("/" + LONG_NAME)  # its `idle` was dropped: too long
            assert dropped(system) == 1
            store.gate.clear()
            store.waiting.clear()
            await system.spawn(Worker, name="b")
            await store.waiting.wait()  # b's change is being written: the buffer is full
            deep = system.lookup(path)
            assert deep is not None
            await deep.stop()
            assert not deep.is_alive
            assert dropped(system) == 2  # its `stopped` did not fit
            store.gate.set()
            assert changes(await system.agent_history("/b")) == [("idle", None)]
