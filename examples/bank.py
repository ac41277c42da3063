"""Bank accounts as event-sourced actors: every balance survives a restart of the process.

Run it twice: `python examples/bank.py`. Each run deposits 100 into alice's account and
moves 30 to bob's; the second run starts from the balances the first left in bank.db, so it
prints alice 140, bob 60. `python -m actorkit journal sqlite:///bank.db /alice` prints the
events behind a balance.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass

import actorkit
from actorkit import ActorRef, ActorSystem
from actorkit.persistence import EventSourced, SQLiteStore


# Events are stored: registered, so the codec can write and read them (never pickle), under
# names of their own, which keep the journal readable when a class is renamed or moved.
@actorkit.message("bank.Deposited")
@dataclass(frozen=True)
class Deposited:
    amount: int


@actorkit.message("bank.Withdrawn")
@dataclass(frozen=True)
class Withdrawn:
    amount: int


# Commands only travel in this process: plain classes are enough.
@dataclass(frozen=True)
class Deposit:
    amount: int


@dataclass(frozen=True)
class Withdraw:
    amount: int


class InsufficientFunds(Exception):
    pass


class Account(EventSourced):
    snapshot_every = 100  # recovery reads the latest snapshot, then the events after it

    def __init__(self) -> None:
        self.balance = 0

    def apply(self, event: object) -> None:
        if isinstance(event, Deposited):
            self.balance += event.amount
        elif isinstance(event, Withdrawn):
            self.balance -= event.amount

    def snapshot(self) -> object:
        return self.balance

    def restore(self, snapshot: object) -> None:
        assert isinstance(snapshot, int)
        self.balance = snapshot

    async def receive(self, message: object) -> object:
        if isinstance(message, Deposit):
            await self.persist(Deposited(message.amount))  # durable once it returns
        elif isinstance(message, Withdraw):
            if message.amount > self.balance:
                raise InsufficientFunds(f"{self.name} has {self.balance}")
            await self.persist(Withdrawn(message.amount))
        return self.balance


async def transfer(source: ActorRef, target: ActorRef, amount: int) -> None:
    """Two persists in two journals, not one transaction: the withdrawal is durable first."""
    await source.ask(Withdraw(amount))
    await target.ask(Deposit(amount))


async def main(path: str = "bank.db") -> dict[str, int]:
    async with ActorSystem("bank", store=SQLiteStore(path)) as system:
        alice = await system.spawn(Account, name="alice")  # persistence id: "/alice"
        bob = await system.spawn(Account, name="bob")
        await alice.ask(Deposit(100))
        await transfer(alice, bob, 30)
        balances = {"alice": await alice.ask("balance"), "bob": await bob.ask("balance")}
        print(balances)
        return balances


if __name__ == "__main__":
    actorkit.run(main(*sys.argv[1:]))
