"""The journaling workers the supervision tests supervise, the specs of several of them, and
an actor that logs its starts on a `ManualClock`."""

from __future__ import annotations

from typing import Any

from actorkit import Actor, ChildSpec
from actorkit.testing import ManualClock


class Worker(Actor):
    """Logs its lifecycle to a shared journal; fails on "crash"."""

    def __init__(self, journal: list[str], label: str) -> None:
        self.journal = journal
        self.label = label
        self.handled = 0

    async def on_start(self) -> None:
        self.journal.append(f"start {self.label}")

    async def on_stop(self) -> None:
        self.journal.append(f"stop {self.label}")

    async def receive(self, message: Any) -> Any:
        if message == "crash":
            raise RuntimeError(f"{self.label} crashed")
        if isinstance(message, Exception):
            raise message
        if message == "handled":
            return self.handled
        self.handled += 1
        return message


def specs(journal: list[str], *labels: str, **options: Any) -> list[ChildSpec]:
    return [ChildSpec(Worker, journal, label, name=label, **options) for label in labels]


class StartFailed(RuntimeError):
    """What `Refusing`'s `on_start` raises: a decider can name it."""


class Refusing(Actor):
    """Its `on_start` fails as many times as `refusals` says, then starts."""

    def __init__(self, journal: list[str], refusals: list[int]) -> None:
        self.journal = journal
        self.refusals = refusals

    async def on_start(self) -> None:
        if self.refusals:
            self.refusals.pop()
            self.journal.append("a refuses to start")
            raise StartFailed("a cannot start")
        self.journal.append("start a")

    async def receive(self, message: Any) -> Any:
        if message == "crash":
            raise RuntimeError("a crashed")
        return message


class Crashing(Actor):
    """Logs each start at the clock's time; fails on "crash"."""

    def __init__(self, clock: ManualClock, starts: list[float]) -> None:
        self.clock = clock
        self.starts = starts

    async def on_start(self) -> None:
        self.starts.append(self.clock.now())

    async def receive(self, message: Any) -> Any:
        if message == "crash":
            raise RuntimeError("crashed")
        return message
