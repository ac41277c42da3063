"""The history writer rides out store outages with backoff, and counts what it drops."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from types import SimpleNamespace
from typing import TYPE_CHECKING, cast

import pytest

from actorkit import ActorSystem
from actorkit.persistence import MemoryStore, PersistenceConflict, PersistenceError, _agent_history
from actorkit.testing import ManualClock

from ..early_clock import EarlyClock
from .agent_history_support import InDoubt, Worker, changes, dropped, metric, run_tasks
from .durable_support import FlakyStore

if TYPE_CHECKING:
    from actorkit.persistence._service import Persistence

pytestmark = pytest.mark.timeout(60)

FIRST_BACKOFF = 0.05


class Failing(FlakyStore):
    """Signals every append it fails, so that a test knows when the writer backs off."""

    def __init__(self) -> None:
        super().__init__()
        self.failed = asyncio.Event()

    async def append(
        self, persistence_id: str, expected_seq: int, payloads: Sequence[bytes]
    ) -> float:
        try:
            return await super().append(persistence_id, expected_seq, payloads)
        except PersistenceError:
            self.failed.set()
            raise


async def writer_failed(store: Failing, clock: ManualClock) -> None:
    """Wait for the writer's next failed append, then let it settle into its backoff."""
    await store.failed.wait()
    store.failed.clear()
    await clock.advance(0)


async def test_a_store_outage_is_ridden_out_with_backoff_on_the_system_clock() -> None:
    store = Failing()
    clock = ManualClock()
    async with ActorSystem("app", store=store, clock=clock, agent_history=True) as system:
        store.down = True
        await system.spawn(Worker, name="w")
        await run_tasks(system, 1)
        await writer_failed(store, clock)
        await clock.advance(FIRST_BACKOFF)
        await writer_failed(store, clock)  # tried again after the backoff, failed again
        assert await store.highest_seq("agents/app/w") == 0
        store.down = False
        await clock.advance(FIRST_BACKOFF * 2)  # the backoff doubled
        history = await system.agent_history("/w")
        assert changes(history) == [("idle", None), ("busy", 1), ("idle", None)]
        assert (metric(system, "written"), dropped(system)) == (3, 0)


async def test_the_backoff_is_not_cut_short_by_a_clock_whose_timers_fire_early() -> None:
    store = Failing()
    clock = EarlyClock(FIRST_BACKOFF / 2)
    async with asyncio.timeout(10):
        async with ActorSystem("app", store=store, clock=clock, agent_history=True) as system:
            store.down = True
            await system.spawn(Worker, name="w")
            await writer_failed(store, clock)
            await clock.advance(FIRST_BACKOFF * 3 / 4)
            assert not store.failed.is_set(), f"tried again at {clock.now()}"
            store.down = False
            await clock.advance(FIRST_BACKOFF / 4)
            assert metric(system, "written") == 1


async def test_what_a_long_outage_drops_is_counted_and_logged(
    caplog: pytest.LogCaptureFixture,
) -> None:
    store = Failing()
    clock = ManualClock()
    async with ActorSystem("app", store=store, clock=clock, agent_history=True) as system:
        store.down = True
        await system.spawn(Worker, name="w")
        for _ in range(_agent_history.ATTEMPTS - 1):
            await writer_failed(store, clock)
            assert dropped(system) == 0
            await clock.advance(2.0)  # the longest backoff
        await writer_failed(store, clock)
        assert dropped(system) == 1
        assert "dropped 1 state changes of 1 agents after 6 tries" in caplog.text
        assert "the database is gone" in caplog.text
        store.down = False
        await run_tasks(system, 1)
        history = await system.agent_history("/w")
        assert changes(history) == [("busy", 1), ("idle", None)]
        assert metric(system, "written") == 2


async def test_a_store_down_at_shutdown_drops_at_once_and_says_so(
    caplog: pytest.LogCaptureFixture,
) -> None:
    store = FlakyStore()
    clock = ManualClock()  # never advanced: closing must not wait out a backoff
    system = ActorSystem("app", store=store, clock=clock, agent_history=True)
    async with system:
        await system.spawn(Worker, name="w")
        await system.agent_history("/w")
        store.down = True
    assert dropped(system) == 1  # the "stopped" change
    assert "dropped 1 state changes of 1 agents at shutdown" in caplog.text


class Service:
    """What the history writer uses of a system's persistence service."""

    def __init__(self, store: MemoryStore) -> None:
        self.store = store
        self.runtime = SimpleNamespace(
            loop=asyncio.get_running_loop(), clock=ManualClock(), live={}
        )

    def wall_now(self) -> float:
        return 0.0


async def test_a_change_recorded_as_the_writer_stops_is_dropped_and_waits_for_nothing(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Between the writer's task ending and `close` resuming, the loop runs other callbacks
    (here one the task's end schedules); a change they record has no writer left to take it."""
    writer = _agent_history.HistoryWriter(cast("Persistence", Service(MemoryStore())), "app")
    writer.record("/w", "idle", None)
    await writer.flush()
    (task,) = [
        task
        for task in asyncio.all_tasks()
        if getattr(task.get_coro(), "__qualname__", None) == "HistoryWriter._run"
    ]
    task.add_done_callback(lambda _: writer.record("/late", "idle", None))
    await writer.close()
    assert (writer.written, writer.dropped) == (1, 1)
    assert "dropped 1 state changes: the system has closed its store" in caplog.text
    async with asyncio.timeout(5):
        await writer.flush()


async def test_a_full_buffer_drops_new_changes_counts_them_and_logs_once(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(_agent_history, "MAX_BUFFERED", 2)
    store = Failing()
    clock = ManualClock()
    async with ActorSystem("app", store=store, clock=clock, agent_history=True) as system:
        store.down = True
        await system.spawn(Worker, name="a")
        await writer_failed(store, clock)  # its change waits for the retry: 1 buffered
        for name in ("b", "c", "d"):
            await system.spawn(Worker, name=name)
        assert dropped(system) == 2
        store.down = False
        await clock.advance(FIRST_BACKOFF)
        assert changes(await system.agent_history("/a")) == [("idle", None)]
        assert changes(await system.agent_history("/b")) == [("idle", None)]
        assert await system.agent_history("/c") == []
        records = [r for r in caplog.records if "the buffer was full" in r.getMessage()]
        assert len(records) == 1 and records[0].levelno == logging.WARNING
        assert "dropped 2 state changes" in records[0].getMessage()


async def test_changes_whose_commit_was_in_doubt_but_landed_are_not_written_twice() -> None:
    """The writer reads the journal back after a failed append: its changes there, the round
    was written, and trying it again would show each of them twice."""
    store = InDoubt()
    clock = ManualClock()
    async with asyncio.timeout(10):
        async with ActorSystem("app", store=store, clock=clock, agent_history=True) as system:
            store.lose = True
            await system.spawn(Worker, name="w")
            await store.lost.wait()
            await clock.advance(FIRST_BACKOFF)  # a retry, if the writer made one, runs now
            await run_tasks(system, 1)
            history = await system.agent_history("/w")
            assert changes(history) == [("idle", None), ("busy", 1), ("idle", None)]
            assert (metric(system, "written"), dropped(system)) == (3, 0)


class Outrun(MemoryStore):
    """Another system of the same name writes each agent's journal first, every time: every
    append of this one is refused as a conflict."""

    def __init__(self) -> None:
        super().__init__()
        self.refused = 0

    async def append(
        self, persistence_id: str, expected_seq: int, payloads: Sequence[bytes]
    ) -> float:
        self.refused += 1
        raise PersistenceConflict(f"{persistence_id!r}: another writer committed first")


async def test_a_journal_other_writers_keep_moving_on_fails_the_round_after_a_few_tries(
    caplog: pytest.LogCaptureFixture,
) -> None:
    store = Outrun()
    clock = ManualClock()  # never advanced: the round is not tried again before the shutdown
    system = ActorSystem("app", store=store, clock=clock, agent_history=True)
    async with system:
        await system.spawn(Worker, name="w")
        await clock.settle()
        assert store.refused == _agent_history.CONFLICT_RETRIES
    assert (metric(system, "written"), dropped(system)) == (0, 2)  # "idle", "stopped"
    assert "'agents/app/w' kept moving on under other writers" in caplog.text


class CancelsItself(MemoryStore):
    """Its history appends raise `CancelledError` though nobody cancelled the writer (a
    store's bug, or a cancel scope of its own): a `BaseException`, which ends the writer."""

    async def append(
        self, persistence_id: str, expected_seq: int, payloads: Sequence[bytes]
    ) -> float:
        raise asyncio.CancelledError


async def test_a_writer_its_store_ended_drops_and_counts_its_changes_and_keeps_no_one_waiting(
    caplog: pytest.LogCaptureFixture,
) -> None:
    async with (
        asyncio.timeout(5),
        ActorSystem("app", store=CancelsItself(), agent_history=True) as system,
    ):
        await system.spawn(Worker, name="w")
        assert await system.agent_history("/w") == []
        assert dropped(system) == 1
        assert "dropped 1 state changes: its writer ended" in caplog.text
        await system.spawn(Worker, name="v")
        assert await system.agent_history("/v") == []  # once waited for ever
        assert (metric(system, "written"), dropped(system)) == (0, 2)
