"""Bank: 1,000 accounts and a teller; each transfer asks the source account to debit and
then tells the destination to credit.

The teller handles one transfer at a time, so every debit is an ask between two actors that
meets an idle account: asks among many actors, with a timeout on each. The transfers are
drawn from a seeded generator, so the final balances are known and checked.
"""

from __future__ import annotations

import random
from typing import Any

from actorkit import Actor

from .._harness import Figures, Stopwatch
from ._common import check, figures, raw_actors, savina, system

ACCOUNTS = 1_000
BALANCE = "balance"
SYNC = "sync"


class Debit:
    __slots__ = ("amount",)

    def __init__(self, amount: int) -> None:
        self.amount = amount


class Credit:
    __slots__ = ("amount",)

    def __init__(self, amount: int) -> None:
        self.amount = amount


class Transfer:
    __slots__ = ("amount", "source", "target")

    def __init__(self, source: Any, target: Any, amount: int) -> None:
        self.source = source
        self.target = target
        self.amount = amount


class Account(Actor):
    def __init__(self) -> None:
        self.balance = 0

    async def receive(self, message: Any) -> int | None:
        kind = type(message)
        if kind is Debit:
            self.balance -= message.amount
            return self.balance
        if kind is Credit:
            self.balance += message.amount
            return None
        return self.balance


class Teller(Actor):
    async def receive(self, message: Any) -> None:
        if message is SYNC:
            return
        await message.source.ask(Debit(message.amount), timeout=5.0)
        message.target.tell(Credit(message.amount))


def transfers(n: int) -> list[tuple[int, int, int]]:
    draw = random.Random(14)
    return [
        (draw.randrange(ACCOUNTS), draw.randrange(ACCOUNTS), draw.randrange(1, 100))
        for _ in range(n)
    ]


async def bank(teller: Any, accounts: list[Any], n: int) -> Figures:
    plan = transfers(n)
    expected = [0] * ACCOUNTS
    for source, target, amount in plan:
        expected[source] -= amount
        expected[target] += amount
    with Stopwatch() as watch:
        for source, target, amount in plan:
            teller.tell(Transfer(accounts[source], accounts[target], amount))
        await teller.ask(SYNC, timeout=60.0)
        balances = [await account.ask(BALANCE) for account in accounts]
    check(balances, expected)
    return figures(n, watch.seconds)


async def bank_actorkit(n: int) -> Figures:
    async with system() as actors:
        accounts = [await actors.spawn(Account) for _ in range(ACCOUNTS)]
        return await bank(await actors.spawn(Teller, mailbox_size=None), accounts, n)


async def bank_raw(n: int) -> Figures:
    async with raw_actors() as raw:
        accounts = [raw.spawn(Account) for _ in range(ACCOUNTS)]
        return await bank(raw.spawn(Teller), accounts, n)


BENCHES = [
    savina("savina_bank", bank_actorkit, bank_raw, size=20_000, quick=500, unit="transfers/s"),
]
