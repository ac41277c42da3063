"""An actor handles one message at a time, in order, and can switch behaviour (API 1)."""

from __future__ import annotations

import asyncio
from typing import Any

from actorkit import Actor, ActorSystem

from .actors_support import Counter


class Recorder(Actor):
    def __init__(self) -> None:
        self.seen: list[Any] = []

    async def receive(self, message: Any) -> Any:
        if message == "seen":
            return list(self.seen)
        self.seen.append(message)
        return None


async def test_readme_example_counts() -> None:
    async with ActorSystem("app") as system:
        ref = await system.spawn(Counter, 10, name="counter")
        ref.tell(5)
        await ref.send(5)
        assert await ref.ask("get", timeout=1.0) == 20


async def test_messages_are_handled_in_arrival_order() -> None:
    async with ActorSystem() as system:
        ref = await system.spawn(Recorder)
        for i in range(500):
            ref.tell(i)
        assert await ref.ask("seen") == list(range(500))


class Door(Actor):
    """Two behaviours, switched by assigning `self.receive` (Akka's `become`)."""

    def __init__(self) -> None:
        self.log: list[str] = []

    async def receive(self, message: Any) -> Any:  # closed
        if message == "log":
            return self.log
        self.log.append(f"closed: {message}")
        if message == "open":
            self.receive = self.opened  # type: ignore[method-assign]
        return None

    async def opened(self, message: Any) -> Any:
        if message == "log":
            return self.log
        self.log.append(f"open: {message}")
        if message == "close":
            del self.receive  # back to the class's
        return None


async def test_assigning_receive_changes_behaviour_from_the_next_message() -> None:
    async with ActorSystem() as system:
        ref = await system.spawn(Door)
        for message in ["knock", "open", "knock", "close", "knock"]:
            ref.tell(message)  # queued together: one batch, switched twice
        assert await ref.ask("log") == [
            "closed: knock",
            "closed: open",
            "open: knock",
            "open: close",
            "closed: knock",
        ]


async def test_one_message_at_a_time() -> None:
    active = 0
    peak = 0

    class Slow(Actor):
        async def receive(self, message: Any) -> None:
            nonlocal active, peak
            active += 1
            peak = max(peak, active)
            await asyncio.sleep(0)
            active -= 1

    async with ActorSystem() as system:
        ref = await system.spawn(Slow)
        for i in range(50):
            ref.tell(i)
        await ref.ask("done")
    assert peak == 1


class Logs(Actor):
    def __init__(self, log: list[str], mark: str) -> None:
        self.log, self.mark = log, mark

    async def receive(self, message: object) -> None:
        self.log.append(self.mark)


async def test_a_busy_actor_whose_handler_never_awaits_yields_every_128_messages() -> None:
    """The countdown to the loop's next yield runs across wake-ups: however it stood, an
    actor with 300 messages queued lets another run before its 129th."""
    log: list[str] = []
    async with ActorSystem() as system:
        busy = await system.spawn(Logs, log, "busy")
        other = await system.spawn(Logs, log, "other")
        for _ in range(200):  # the countdown stands somewhere in its second round of 128
            busy.tell(None)
        await busy.ask(None)
        log.clear()
        for _ in range(300):
            busy.tell(None)
        other.tell(None)
        await other.ask(None)
        assert 0 < log.index("other") <= 128
        await busy.ask(None)
        assert log.count("busy") == 301
