"""Reliability of durable actors under the worst a host can do: a process killed with SIGKILL
in the middle of a persist storm loses no acknowledged event, and leaves no gap and no
duplicate in any journal; the state a restart recovers equals a replay of the journal."""

from __future__ import annotations

import os
import signal
import sys
from collections import defaultdict
from pathlib import Path

import pytest

from actorkit import ActorSystem
from actorkit.persistence import SQLiteStore

from ..processes import process
from .storm import ACCOUNTS, Account

pytestmark = pytest.mark.timeout(120)

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
    async with ActorSystem("after", store=SQLiteStore(database)) as system:
        store = system.store
        for index in range(ACCOUNTS):
            persistence_id = f"/a{index}"
            rows = [(seq, event.amount) async for seq, _, event in store.events(persistence_id)]
            seqs = [seq for seq, _ in rows]
            amounts = [amount for _, amount in rows]
            assert seqs == list(range(1, len(rows) + 1)), f"{persistence_id}: a gap"
            assert len(set(amounts)) == len(amounts), f"{persistence_id}: a duplicate"
            assert acked[index] <= set(amounts), f"{persistence_id}: an acknowledged event lost"
            account = await system.spawn(Account, name=f"a{index}")
            assert await account.ask("balance") == sum(amounts)
