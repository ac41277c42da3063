"""Actors the actor tests share: a counter, a gate that holds its mailbox full, a relay
whose ask to a stuck actor times out, a child whose `on_stop` holds its parent's cleanup, and
one that holds its first message and then stops, its queue dead-lettered."""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

from actorkit import Actor, ActorRef, ActorSystem, AskTimeout
from actorkit.testing import ManualClock


class Counter(Actor):
    def __init__(self, start: int = 0) -> None:
        self.count = start

    async def receive(self, message: Any) -> Any:
        if message == "get":
            return self.count
        self.count += message
        return None


class Gate(Actor):
    """Blocks in receive until its gate is opened, so tests can fill its mailbox."""

    def __init__(self, gate: asyncio.Event, entered: asyncio.Event | None = None) -> None:
        self.gate = gate
        self.entered = entered
        self.seen: list[Any] = []

    async def receive(self, message: Any) -> Any:
        if message == "seen":
            return list(self.seen)
        if message == "wait":
            if self.entered is not None:
                self.entered.set()
            await self.gate.wait()
        self.seen.append(message)
        return message


class Stuck(Actor):
    def __init__(self, entered: asyncio.Event, gate: asyncio.Event) -> None:
        self.entered, self.gate = entered, gate

    async def receive(self, message: Any) -> Any:
        self.entered.set()
        await self.gate.wait()  # answers too late: its asker times out


class Relay(Actor):
    def __init__(self, stuck: ActorRef, log: list[Any]) -> None:
        self.stuck, self.log = stuck, log

    async def receive(self, message: Any) -> Any:
        self.log.append(message)
        if message == "relay":
            with contextlib.suppress(AskTimeout):
                await self.stuck.ask("x", timeout=1.0)
        return message


async def relay_full_with_a_late_ask(
    system: ActorSystem, clock: ManualClock, gate: asyncio.Event, log: list[Any]
) -> tuple[ActorRef, asyncio.Task[Any]]:
    """A relay whose own ask to an actor stuck until `gate` opens is out (its deadline filed
    first), its mailbox of one full, and an ask "late" (1 s) waiting for room, its deadline
    filed second."""
    entered = asyncio.Event()
    stuck = await system.spawn(Stuck, entered, gate)
    relay = await system.spawn(Relay, stuck, log, mailbox_size=1)
    relay.tell("relay")
    await entered.wait()  # the relay's ask, filed first
    relay.tell("queued")  # full
    asker = asyncio.create_task(relay.ask("late", timeout=1.0))
    await clock.advance(0)  # the ask now waits for room, its deadline filed second
    return relay, asker


class HoldsTheCleanup(Actor):
    """Its `on_stop` holds its parent's cleanup (a cancelled spawn's, say) until `release`,
    then notes its path in `done`."""

    def __init__(self, stopping: asyncio.Event, release: asyncio.Event, done: list[str]) -> None:
        self.stopping, self.release, self.done = stopping, release, done

    async def on_stop(self) -> None:
        self.stopping.set()
        await self.release.wait()
        self.done.append(self.path)


class Held(Actor):
    """Holds its first message until released, then stops, so what arrived meanwhile is
    still queued when it stops."""

    def __init__(self, holding: asyncio.Event, release: asyncio.Event) -> None:
        self.holding, self.release = holding, release

    async def receive(self, message: Any) -> Any:
        if message == "hold":
            self.holding.set()
            await self.release.wait()
            self.stop()
        return None
