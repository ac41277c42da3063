"""API.md section 11's example run as written, then its history read the way the section says:
`python -m actorkit journal sqlite:///relative.db PERSISTENCE_ID`, in another process, which
shows each event by its type name and fields."""

from __future__ import annotations

import asyncio
import os
import sys
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pytest

import actorkit
from actorkit import ActorSystem
from actorkit.persistence import EventSourced, SQLiteStore
from tests.processes import communicate

from .conftest import UVLOOP_ONLY
from .fencing import ROOT

pytestmark = pytest.mark.timeout(60)


# Named, not registered by their bare class names: tests/typing_users/persistence.py has its
# own `Deposit`, and one registry serves every test a worker runs.
@actorkit.message("contract_s11.Deposit")
@dataclass(frozen=True)
class Deposit:
    amount: int


@actorkit.message("contract_s11.Deposited")
@dataclass(frozen=True)
class Deposited:
    amount: int


class Account(EventSourced):
    def __init__(self) -> None:
        self.balance = 0

    def apply(self, event: object) -> None:
        if isinstance(event, Deposited):
            self.balance += event.amount

    async def receive(self, message: object) -> object:
        if isinstance(message, Deposit):
            await self.persist(Deposited(message.amount))
        return self.balance


@UVLOOP_ONLY
async def test_the_example_s_history_is_printed_from_a_relative_sqlite_url(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One event a line, with its sequence number and the time `events` gives for it, shown
    by type name and fields; the URL's path is relative to the working directory."""
    monkeypatch.chdir(tmp_path)
    async with ActorSystem("bank", store=SQLiteStore("bank.db")) as system:
        acct = await system.spawn(Account, name="acct-42")
        assert await acct.ask(Deposit(5)) == 5
        assert await acct.ask(Deposit(7)) == 12
        store = system.store
        assert isinstance(store, SQLiteStore)  # typed as the byte-level `Store`: no `events`
        rows = [(seq, at) async for seq, at, _ in store.events("/acct-42")]
    paths = os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "actorkit", "journal", "sqlite:///bank.db", "/acct-42",
        cwd=tmp_path, env={**os.environ, "PYTHONPATH": paths},
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    out, err = await communicate(proc)
    assert (proc.returncode, err.decode()) == (0, "")
    lines = out.decode().splitlines()
    assert len(lines) == len(rows) == 2
    for line, (seq, at), amount in zip(lines, rows, (5, 7), strict=True):
        number, stamp, shown = line.split("\t")
        assert int(number) == seq
        assert datetime.fromisoformat(stamp).timestamp() == pytest.approx(at, abs=1e-5)
        assert "contract_s11.Deposited" in shown and f"amount={amount}" in shown
