"""A persist storm, run as a process that the chaos test kills with SIGKILL midway:
`python -m tests.persistence.storm DATABASE`. Accounts are event-sourced actors on SQLite;
clients deposit concurrently, and each answered ask is printed (`ack ACCOUNT AMOUNT`) only
after its reply came back, so every printed line is an acknowledged, durable event."""

from __future__ import annotations

import asyncio
import sys
from typing import Any

from actorkit import ActorSystem
from actorkit.persistence import EventSourced, SQLiteStore, _sqlite_db

from .durable_support import Deposited

ACCOUNTS = 40
CLIENTS_PER_ACCOUNT = 2
CLIENT_SPAN = 1_000_000
"""Client `c` deposits `c * CLIENT_SPAN + 1, + 2, ...`: every amount is unique."""


class Account(EventSourced):
    def __init__(self) -> None:
        self.balance = 0

    def apply(self, event: Any) -> None:
        self.balance += event.amount

    async def receive(self, message: Any) -> Any:
        if isinstance(message, int):
            await self.persist(Deposited(message))
        return self.balance


async def client(account: Any, index: int, number: int) -> None:
    amount = number * CLIENT_SPAN
    while True:
        amount += 1
        await account.ask(amount, timeout=30.0)
        sys.stdout.write(f"ack {index} {amount}\n")
        sys.stdout.flush()


async def main(database: str) -> None:
    async with ActorSystem("storm", store=SQLiteStore(database)) as system:
        accounts = [await system.spawn(Account, name=f"a{i}") for i in range(ACCOUNTS)]
        sys.stdout.write("ready\n")
        sys.stdout.flush()
        await asyncio.gather(
            *(
                client(account, i, i * CLIENTS_PER_ACCOUNT + c)
                for i, account in enumerate(accounts)
                for c in range(CLIENTS_PER_ACCOUNT)
            )
        )


if __name__ == "__main__":
    _sqlite_db.MERGE_ROWS = 64  # the journal's tail moved often: the kill may land in a move
    asyncio.run(main(sys.argv[1]))
