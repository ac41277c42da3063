"""A recording target and a timer queue on a `ManualClock`, for the kernel's timer tests."""

from __future__ import annotations

import asyncio
from typing import Any

from actorkit import MailboxFull
from actorkit._dead_letters import DeadLetters
from actorkit._timers import TimerQueue
from actorkit.testing import ManualClock


class Target:
    """A `Ref` that records what it is told; `full` makes it refuse like a full mailbox."""

    def __init__(self, path: str = "/t") -> None:
        self.path = path
        self.name = path.rpartition("/")[2]
        self.is_alive = True
        self.full = False
        self.told: list[tuple[float, Any]] = []
        self.clock: ManualClock | None = None

    def tell(self, message: Any) -> None:
        if self.full:
            raise MailboxFull("full")
        assert self.clock is not None
        self.told.append((self.clock.now(), message))

    async def send(self, message: Any) -> None:
        self.tell(message)

    async def ask(self, message: Any, timeout: float = 5.0) -> Any:
        raise NotImplementedError


def setup() -> tuple[ManualClock, TimerQueue, DeadLetters, Target]:
    clock = ManualClock()
    clock.attach(asyncio.get_running_loop(), lambda: True)
    dead = DeadLetters(clock.now)
    target = Target()
    target.clock = clock
    return clock, TimerQueue(dead, clock), dead, target
