"""The event-sourced account the EventSourced tests persist to and recover, and a running
total whose snapshots are its value."""

from __future__ import annotations

from typing import Any, ClassVar

from actorkit.persistence import EventSourced

from .durable_support import Deposited


class Account(EventSourced):
    applied: ClassVar[list[int]] = []
    """Every `apply`, in every instance: what recovery replayed."""

    def __init__(self) -> None:
        self.balance = 0
        self.started_with: int | None = None

    def apply(self, event: Any) -> None:
        Account.applied.append(event.amount)
        self.balance += event.amount

    async def on_start(self) -> None:
        self.started_with = self.balance

    async def receive(self, message: Any) -> Any:
        if message == "started_with":
            return self.started_with
        if message == "crash":
            raise RuntimeError("crash")
        if isinstance(message, tuple):
            await self.persist(*message)
        elif isinstance(message, int):
            await self.persist(Deposited(message))
            if message < 0:
                raise RuntimeError("crashed after persisting")
        return self.balance


class Summing(EventSourced):
    """A running total of its int events, snapshotted as that int: a subclass sets
    `snapshot_every` and its `receive`."""

    def __init__(self) -> None:
        self.total = 0

    def apply(self, event: Any) -> None:
        self.total += event

    def snapshot(self) -> object:
        return self.total

    def restore(self, snapshot: Any) -> None:
        self.total = snapshot
