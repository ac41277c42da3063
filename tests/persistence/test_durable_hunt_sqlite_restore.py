"""A SQLite store restored from a backup with every system stopped, as docs/persistence.md
("Restoring a backup") says to: the backup taken with `VACUUM INTO` while a system writes,
copied back over the file a crash left, its `-wal` and `-shm` deleted. Everything goes back
to the backup (the journal and its snapshot, a state, the reminders, an agent's history) and
goes on from there; nothing remembers the later rows. A `-wal` left beside the restored file
undoes the restore instead."""

from __future__ import annotations

import asyncio
import shutil
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

import pytest

import actorkit
from actorkit import ActorSystem
from actorkit.persistence import DurableState, PersistenceError, SQLiteStore
from actorkit.testing import ManualClock

from .durable_support import Deposited
from .event_sourced_support import Account

pytestmark = pytest.mark.timeout(60)


@actorkit.message("tests.persistence.hunt.Remind")
@dataclass(frozen=True)
class Remind:
    key: str


class Agent(Account):
    """An account that is an agent (its state changes make a history), sets and cancels
    reminders and records those it is sent."""

    snapshot_every = 2
    capabilities = ("bank",)
    reminded: ClassVar[list[str]] = []

    async def receive(self, message: Any) -> Any:
        if isinstance(message, Remind):
            Agent.reminded.append(message.key)
            return None
        if isinstance(message, tuple) and message[0] == "remind":
            await self.reminders.start(message[1], Remind(message[1]), delay=100.0)
            return None
        if isinstance(message, tuple) and message[0] == "cancel":
            return await self.reminders.cancel(message[1])
        return await super().receive(message)


class Profile(DurableState):
    async def receive(self, message: Any) -> Any:
        if message != "state":
            await self.save(message)
        return self.state


async def _run(db: Path, clock: ManualClock, *messages: object) -> tuple[int, object]:
    async with ActorSystem("bank", store=SQLiteStore(db), clock=clock, agent_history=True) as s:
        agent = await s.spawn(Agent, name="a")
        profile = await s.spawn(Profile, name="p")
        for message in messages:
            await (profile if isinstance(message, str) else agent).ask(message)
        return await agent.ask(None), await profile.ask("state")


async def _history(db: Path) -> list[tuple[int, Any]]:
    async with SQLiteStore(db) as store:
        return [(seq, event) async for seq, _, event in store.events("agents/bank/a")]


async def _backed_up_then_crashed(tmp_path: Path) -> tuple[Path, Path, list[tuple[int, Any]]]:
    """The backup, the crashed system's file (its -wal holding commits made after the backup)
    and the agent's history as the backup holds it."""
    db, backup, crashed = tmp_path / "bank.db", tmp_path / "backup.db", tmp_path / "crashed.db"
    clock = ManualClock()
    assert await _run(db, clock, 1, 2, 3, ("remind", "kept"), "v1") == (6, "v1")
    backed_up = await _history(db)
    async with ActorSystem("bank", store=SQLiteStore(db), clock=clock, agent_history=True) as s:
        agent = await s.spawn(Agent, name="a")
        await asyncio.to_thread(_vacuum_into, db, backup)
        for message in (4, 5, ("cancel", "kept"), ("remind", "later")):
            await agent.ask(message)
        for suffix in ("", "-wal", "-shm"):  # what a crash (kill -9) now would leave
            shutil.copyfile(f"{db}{suffix}", f"{crashed}{suffix}")
    return backup, crashed, backed_up


def _vacuum_into(db: Path, backup: Path) -> None:
    connection = sqlite3.connect(db)
    try:
        connection.execute("VACUUM INTO ?", (str(backup),))
    finally:
        connection.close()


def _restore(backup: Path, db: Path, *, delete_wal: bool) -> None:
    """The backup copied over the file, and the crashed run's -wal and -shm deleted (the
    docs' way) or left."""
    shutil.copyfile(backup, db)
    if delete_wal:
        for suffix in ("-wal", "-shm"):
            Path(f"{db}{suffix}").unlink()


async def test_a_restored_backup_is_recovered_as_it_was_and_goes_on(tmp_path: Path) -> None:
    async with asyncio.timeout(40):
        Agent.reminded.clear()
        backup, crashed, backed_up = await _backed_up_then_crashed(tmp_path)
        _restore(backup, crashed, delete_wal=True)
        clock = ManualClock(start=200.0)  # past the reminders' due times
        async with ActorSystem(
            "bank", store=SQLiteStore(crashed), clock=clock, agent_history=True
        ) as system:
            agent = await system.spawn(Agent, name="a")
            profile = await system.spawn(Profile, name="p")
            await clock.advance(0.0)
            assert Agent.reminded == ["kept"]  # cancelled after the backup: back, and fired
            assert await agent.ask(None) == 6
            assert await agent.ask(10) == 16  # written after the backup's last event
            assert await profile.ask("state") == "v1"
            assert await profile.ask("v2") == "v2"
        async with SQLiteStore(crashed) as store:
            assert [r.key for r in await store.reminders("/a")] == ["kept"]
            events = [(seq, event) async for seq, _, event in store.events("/a")]
            assert events == [(n, Deposited(amount)) for n, amount in enumerate([1, 2, 3, 10], 1)]
            assert (await store.load_state("/p")).revision == 2  # type: ignore[union-attr]
        history = await _history(crashed)
        assert history[: len(backed_up)] == backed_up
        assert [seq for seq, _ in history] == list(range(1, len(history) + 1))
        assert len(history) > len(backed_up)


async def test_a_wal_left_beside_the_restored_file_undoes_the_restore(tmp_path: Path) -> None:
    async with asyncio.timeout(40):
        backup, crashed, _ = await _backed_up_then_crashed(tmp_path)
        _restore(backup, crashed, delete_wal=False)
        try:
            recovered = await _run(crashed, ManualClock(start=200.0))
        except PersistenceError:
            return  # the log's pages laid over another file's: corrupt
        assert recovered != (6, "v1")  # the crashed run's later commits, back
