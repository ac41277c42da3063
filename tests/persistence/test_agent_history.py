"""Agents' durable state history (`ActorSystem(store=..., agent_history=True)`): every change
of every agent, and every task it takes, is appended to the journal `agents/<system><path>`
with a wall-clock time, off the dispatch path; the writer flushes on close, rides out store
failures with backoff on the system clock, and counts and logs what it had to drop."""

from __future__ import annotations

import asyncio
import io
import itertools
import logging
from collections.abc import Sequence
from pathlib import Path
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any, cast

import pytest

from actorkit import Actor, ActorSystem, Backoff, OneForOne
from actorkit.persistence import (
    AgentChange,
    MemoryStore,
    PersistenceError,
    SQLiteStore,
    _agent_history,
)
from actorkit.persistence._journal import print_journal
from actorkit.testing import ManualClock

from ..early_clock import EarlyClock
from .durable_support import KINDS, FlakyStore, MakeStore, SharedMemoryStore, store_maker

if TYPE_CHECKING:
    from actorkit.persistence._service import Persistence

pytestmark = pytest.mark.timeout(60)

FIRST_BACKOFF = 0.05


@pytest.fixture(params=KINDS)
def make(request: pytest.FixtureRequest, tmp_path: Path) -> MakeStore:
    return store_maker(request, tmp_path)


class Worker(Actor):
    """An agent: answers its tasks; `"crash"` makes it fail."""

    capabilities = frozenset({"work"})

    async def receive(self, message: Any) -> Any:
        payload = getattr(message, "payload", message)
        if payload == "crash":
            raise RuntimeError("crash")
        if payload == "stop yourself":
            self.stop()  # `permanent`: restarted
        return payload


def changes(history: list[AgentChange]) -> list[tuple[str, int | None]]:
    return [(change.state, change.task) for change in history]


async def run_tasks(system: ActorSystem, *payloads: object) -> None:
    """Submitted together: one agent goes from task to task without idling between."""
    handles = [await system.submit(payload, requires=["work"]) for payload in payloads]
    for handle in handles:
        await handle


async def stored(store: Any, persistence_id: str) -> list[tuple[int, float, Any]]:
    async with store:
        return [row async for row in store.events(persistence_id)]


async def test_every_change_and_every_task_is_kept_with_the_system_clock_s_time(
    make: MakeStore,
) -> None:
    clock = ManualClock(start=1_000.0)
    async with ActorSystem("app", store=make(), clock=clock, agent_history=True) as system:
        await system.spawn(Worker, name="w")
        await clock.advance(5.0)
        await run_tasks(system, 1, 2)
        history = await system.agent_history("/w")
    assert changes(history) == [("idle", None), ("busy", 1), ("busy", 2), ("idle", None)]
    assert [change.time for change in history] == [1_000.0, 1_005.0, 1_005.0, 1_005.0]
    rows = await stored(make(), "agents/app/w")
    assert [seq for seq, _, _ in rows] == [1, 2, 3, 4, 5]
    assert [event for _, _, event in rows][:4] == history
    assert rows[-1][2] == AgentChange(1_005.0, "stopped", None)  # written on close


@pytest.mark.parametrize("cause", ["crash", "stop yourself"], ids=["crash", "self-stop"])
async def test_a_restart_shows_as_restarting(make: MakeStore, cause: str) -> None:
    """After a crash, and after a `permanent` agent's self-stop, which OTP restarts too."""
    clock = ManualClock()
    backoff = OneForOne(backoff=Backoff(min=1.0, max=1.0, jitter=0.0))
    async with ActorSystem(
        "app", store=make(), clock=clock, supervisor=backoff, agent_history=True
    ) as system:
        worker = await system.spawn(Worker, name="w")
        worker.tell(cause)
        await clock.advance(1.0)
        history = await system.agent_history("/w")
    assert [(c.time, c.state) for c in history] == [
        (0.0, "idle"),
        (0.0, "restarting"),
        (1.0, "idle"),
    ]


async def test_the_history_survives_a_restart_of_the_system(tmp_path: Path) -> None:
    path = tmp_path / "agents.db"
    for run in range(2):
        async with ActorSystem("app", store=SQLiteStore(path), agent_history=True) as system:
            await system.spawn(Worker, name="w")
            await run_tasks(system, run)
    async with ActorSystem("app", store=SQLiteStore(path), agent_history=True) as system:
        history = await system.agent_history("/w")
    one_run = [("idle", None), ("busy", 1), ("idle", None), ("stopped", None)]
    assert changes(history) == one_run * 2
    assert all(a.time <= b.time for a, b in itertools.pairwise(history))
    assert history[0].time > 1e9  # wall-clock time, not the loop's clock


async def test_the_journal_command_prints_it_readably(tmp_path: Path) -> None:
    path = tmp_path / "agents.db"
    clock = ManualClock(start=946_684_800.0)
    async with ActorSystem("app", store=SQLiteStore(path), clock=clock, agent_history=True) as sys:
        await sys.spawn(Worker, name="w")
        await run_tasks(sys, "x")
    out = io.StringIO()
    assert await print_journal(f"sqlite:///{path}", "agents/app/w", out=out) == 0
    lines = out.getvalue().splitlines()
    assert len(lines) == 4
    assert lines[1].startswith("2\t")
    assert lines[1].endswith(
        "\tactorkit.AgentChange(time=2000-01-01T00:00:00.000000+00:00, state='busy', task=1)"
    )


async def test_close_writes_everything_still_buffered(make: MakeStore) -> None:
    async with ActorSystem("app", store=make(), agent_history=True) as system:
        for name in ("a", "b", "c"):
            await system.spawn(Worker, name=name)
        await run_tasks(system, 1, 2, 3)
        # no flush: leaving the block must write what is buffered before the store closes
    for name in ("a", "b", "c"):
        rows = await stored(make(), f"agents/app/{name}")
        assert rows[0][2] == AgentChange(rows[0][2].time, "idle", None)
        assert rows[-1][2].state == "stopped"
    busy = [
        event.task
        for name in ("a", "b", "c")
        for _, _, event in await stored(make(), f"agents/app/{name}")
        if event.state == "busy"
    ]
    assert sorted(busy) == [1, 2, 3]


async def test_nothing_is_written_without_the_option() -> None:
    store = SharedMemoryStore()
    async with ActorSystem("app", store=store) as system:
        await system.spawn(Worker, name="w")
        await run_tasks(system, 1)
        with pytest.raises(ValueError, match="agent_history=True"):
            await system.agent_history("/w")
    assert await store.highest_seq("agents/app/w") == 0


async def test_two_systems_of_one_name_on_one_store_both_keep_theirs(tmp_path: Path) -> None:
    """Each writer's cached head goes stale when the other writes: it reads it again."""
    path = tmp_path / "agents.db"
    first = ActorSystem("app", store=SQLiteStore(path), agent_history=True)
    second = ActorSystem("app", store=SQLiteStore(path), agent_history=True)
    async with first, second:
        for system in (first, second, first, second):
            if not system.agents():
                await system.spawn(Worker, name="w")
            await run_tasks(system, 1)
            await system.agent_history("/w")
    async with ActorSystem("app", store=SQLiteStore(path), agent_history=True) as reader:
        history = await reader.agent_history("/w")
    # first: idle, busy 1, idle; second: the same; then each busy 2, idle; then both stop
    assert len(history) == 3 + 3 + 2 + 2 + 2
    assert changes(history)[6:10] == [("busy", 2), ("idle", None)] * 2
    assert changes(history).count(("stopped", None)) == 2


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


def metric(system: ActorSystem, name: str) -> float | None:
    return system.metrics.registry.get_sample_value(f"actorkit_agent_history_{name}_total")


def dropped(system: ActorSystem) -> float | None:
    return metric(system, "dropped")


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
        self.runtime = SimpleNamespace(loop=asyncio.get_running_loop(), clock=ManualClock())

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


@pytest.mark.parametrize(
    ("kwargs", "error", "says"),
    [
        ({"agent_history": 1}, TypeError, "agent_history must be True or False"),
        ({"agent_history": None}, TypeError, "agent_history must be True or False"),
        ({"agent_history": True}, ValueError, "pass store= too"),
    ],
)
def test_bad_options_say_what_to_pass(kwargs: dict[str, Any], error: type, says: str) -> None:
    with pytest.raises(error, match=says):
        ActorSystem("app", **kwargs)


@pytest.mark.parametrize(
    ("path", "error"),
    [
        (42, TypeError),
        ("w", ValueError),
        ("", ValueError),
        ("/a\nb", ValueError),
        ("/" + "x" * 1024, ValueError),
    ],
)
async def test_a_bad_path_is_refused(path: object, error: type) -> None:
    async with ActorSystem("app", store=MemoryStore(), agent_history=True) as system:
        with pytest.raises(error, match="path"):
            await system.agent_history(path)


async def test_an_agent_never_seen_has_an_empty_history() -> None:
    async with ActorSystem("app", store=MemoryStore(), agent_history=True) as system:
        assert await system.agent_history("/nobody") == []


LONG_NAME = "n" * 250


class Nest(Actor):
    """Nests `depth` plain actors, then a `Worker`; answers the worker's path."""

    async def receive(self, message: Any) -> Any:
        if message == 0:
            return (await self.spawn(Worker, name=LONG_NAME)).path
        return await (await self.spawn(Nest, name=LONG_NAME)).ask(message - 1)


async def test_an_agent_whose_history_id_is_too_long_is_dropped_and_logged(
    caplog: pytest.LogCaptureFixture,
) -> None:
    async with ActorSystem("app", store=MemoryStore(), agent_history=True) as system:
        path = await (await system.spawn(Nest, name=LONG_NAME)).ask(4)
        assert len(path) > 1024
        await system.agent_history("/" + LONG_NAME)  # flushes every agent's changes
        assert dropped(system) == 1
        assert "dropped 1 state changes of 1 agents at once" in caplog.text
        with pytest.raises(ValueError, match="at most 1024 characters"):
            await system.agent_history(path)
