"""Reliability of durable actors under the worst a host can do: a process killed with SIGKILL
in the middle of a persist storm loses no acknowledged event, and leaves no gap and no
duplicate in any journal; the state a restart recovers equals a replay of the journal."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest

from actorkit import ActorSystem, Backoff, OneForOne
from actorkit.persistence import PersistenceError, PostgresStore, SQLiteStore

from ..processes import SUBPROCESS_BOUND, process
from .conftest import UVLOOP_ONLY
from .durable_support import deposits
from .postgres_server import PostgresServer
from .storm import ACCOUNTS, Account

pytestmark = [pytest.mark.timeout(120), UVLOOP_ONLY]

ROOT = Path(__file__).resolve().parents[2]
ACKS_BEFORE_KILL = 1500


async def storm_until_killed(database: Path) -> dict[int, set[int]]:
    """Run the storm, SIGKILL it after enough acknowledgements; the acknowledged amounts by
    account, including those the process printed just before it died."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    acked: dict[int, set[int]] = defaultdict(set)
    args = (sys.executable, "-m", "tests.persistence.storm", str(database))
    async with process(*args, env=env, cwd=ROOT, stderr=None) as proc:
        assert proc.stdout is not None
        count = 0
        async with asyncio.timeout(SUBPROCESS_BOUND):
            async for line in proc.stdout:
                words = line.decode().split()
                if words[:1] == ["ack"]:
                    acked[int(words[1])].add(int(words[2]))
                    count += 1
                    if count == ACKS_BEFORE_KILL:
                        proc.send_signal(signal.SIGKILL)
            assert await proc.wait() == -signal.SIGKILL
    assert count >= ACKS_BEFORE_KILL
    return acked


async def test_sigkill_in_a_persist_storm_loses_no_acknowledged_event(tmp_path: Path) -> None:
    database = tmp_path / "storm.db"
    acked = await storm_until_killed(database)
    async with ActorSystem("after", store=(store := SQLiteStore(database))) as system:
        for index in range(ACCOUNTS):
            persistence_id = f"/a{index}"
            rows = await deposits(store, persistence_id)
            seqs = [seq for seq, _ in rows]
            amounts = [amount for _, amount in rows]
            assert seqs == list(range(1, len(rows) + 1)), f"{persistence_id}: a gap"
            assert len(set(amounts)) == len(amounts), f"{persistence_id}: a duplicate"
            assert acked[index] <= set(amounts), f"{persistence_id}: an acknowledged event lost"
            account = await system.spawn(Account, name=f"a{index}")
            assert await account.ask("balance") == sum(amounts)


class Load:
    """Clients depositing into accounts without pause, counting what was acknowledged and
    what failed; `acks` and `failures` fire when their counts reach a threshold."""

    def __init__(self) -> None:
        self.acked: dict[int, set[int]] = defaultdict(set)
        self.count = 0
        self.failures = 0
        self.errors: set[str] = set()
        self.waiting: list[tuple[str, int, asyncio.Event]] = []

    def reached(self, what: str, more: int) -> asyncio.Event:
        event = asyncio.Event()
        self.waiting.append((what, getattr(self, what) + more, event))
        self._wake()
        return event

    def _wake(self) -> None:
        for what, target, event in self.waiting:
            if getattr(self, what) >= target:
                event.set()

    async def client(self, account: Any, index: int) -> None:
        amount = 0
        while True:
            amount += 1
            try:
                await account.ask(amount, timeout=60.0)
            except PersistenceError as error:
                self.failures += 1
                self.errors.add(type(error).__name__)
            else:
                self.acked[index].add(amount)
                self.count += 1
            self._wake()


async def test_postgres_down_and_up_under_load_fails_persists_then_recovers(
    postgres: PostgresServer,
) -> None:
    strategy = OneForOne(max_restarts=10_000, within=60.0, backoff=Backoff(0.05, 0.5))
    dsn = postgres.fresh()
    load = Load()
    async with ActorSystem("pg", store=PostgresStore(dsn), supervisor=strategy) as system:
        accounts = [await system.spawn(Account, name=f"a{i}") for i in range(8)]
        clients = [asyncio.ensure_future(load.client(a, i)) for i, a in enumerate(accounts)]
        try:
            await load.reached("count", 200).wait()
            failed = load.reached("failures", 8)  # each client: its next persist
            await asyncio.to_thread(postgres.stop)
            try:
                await failed.wait()
            finally:
                await asyncio.to_thread(postgres.start)
            await load.reached("count", 200).wait()  # recovered, and going on
        finally:
            for task in clients:
                task.cancel()
            await asyncio.gather(*clients, return_exceptions=True)
    assert load.errors == {"PersistenceError"}
    async with ActorSystem("after", store=(store := PostgresStore(dsn))) as system:
        for index in range(8):
            rows = await deposits(store, f"/a{index}")
            assert [seq for seq, _ in rows] == list(range(1, len(rows) + 1))
            amounts = [amount for _, amount in rows]
            assert amounts == sorted(set(amounts))  # in the client's order, none twice
            assert load.acked[index] <= set(amounts)
            account = await system.spawn(Account, name=f"a{index}")
            assert await account.ask("balance") == sum(amounts)
