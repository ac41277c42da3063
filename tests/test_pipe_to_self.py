"""Akka's `pipeTo(self)` as actorkit spells it (docs/api.md §2): a handler leaves an ask to a
task and returns, and the task tells the reply to `self.ref` as a message of its own. The
mailbox is free meanwhile; the reply reaches whichever instance runs when it comes (a
restart's successor), and becomes a dead letter `stopped` if the actor stopped first."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from actorkit import Actor, ActorRef, ActorSystem


class Slow(Actor):
    def __init__(self, gate: asyncio.Event) -> None:
        self.gate = gate

    async def receive(self, message: Any) -> Any:
        await self.gate.wait()
        return message * 2


class Piping(Actor):
    def __init__(self, slow: Any, got: list[Any], tasks: list[asyncio.Task[None]]) -> None:
        self.slow, self.got, self.tasks = slow, got, tasks

    async def receive(self, message: Any) -> Any:
        if message == "go":
            self.tasks.append(asyncio.create_task(self.pipe(21)))  # kept: the test awaits it
            return "asked"
        if message == "boom":
            raise ValueError("boom")
        self.got.append((id(self), message))
        return None

    async def pipe(self, value: int) -> None:
        self.ref.tell(("reply", await self.slow.ask(value, timeout=4.0)))


async def _piping(
    system: ActorSystem,
) -> tuple[asyncio.Event, list[Any], list[asyncio.Task[None]], ActorRef]:
    """A `Piping` actor asking a `Slow` one held by the gate: the gate, what the piping actor
    got, its piping tasks, its ref."""
    gate = asyncio.Event()
    got: list[Any] = []
    tasks: list[asyncio.Task[None]] = []
    slow = await system.spawn(Slow, gate)
    return gate, got, tasks, await system.spawn(Piping, slow, got, tasks)


async def test_the_mailbox_stays_free_and_a_restarts_successor_gets_the_reply() -> None:
    async with asyncio.timeout(5.0), ActorSystem() as system:
        gate, got, tasks, piping = await _piping(system)
        assert await piping.ask("go") == "asked"
        assert await piping.ask("meanwhile") is None  # not held by the ask in flight
        first = got[0][0]
        with pytest.raises(ValueError):
            await piping.ask("boom")  # restarted: a new instance
        gate.set()
        await asyncio.gather(*tasks)
        await piping.ask("sync")  # behind the reply
        replies = [owner for owner, message in got if message == ("reply", 42)]
        assert len(replies) == 1
        assert replies[0] != first


async def test_a_reply_piped_to_a_stopped_actor_is_a_dead_letter() -> None:
    async with asyncio.timeout(5.0), ActorSystem() as system:
        gate, _, tasks, piping = await _piping(system)
        await piping.ask("go")
        await piping.stop()
        gate.set()
        await asyncio.gather(*tasks)
        assert system.dead_letters.by_reason.get("stopped") == 1
        assert system.dead_letters.recent[-1].message == ("reply", 42)
