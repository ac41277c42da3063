"""What the agent history keeps: every change and task, with its time, across restarts."""

from __future__ import annotations

import io
import itertools
from pathlib import Path
from typing import Any

import pytest

from actorkit import ActorSystem, Backoff, OneForOne
from actorkit.persistence import AgentChange, MemoryStore, SQLiteStore
from actorkit.persistence._journal import print_journal
from actorkit.testing import ManualClock

from .agent_history_support import Worker, changes, run_tasks
from .durable_support import MakeStore, SharedMemoryStore

pytestmark = pytest.mark.timeout(60)


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


async def test_an_agent_never_seen_has_an_empty_history() -> None:
    async with ActorSystem("app", store=MemoryStore(), agent_history=True) as system:
        assert await system.agent_history("/nobody") == []
