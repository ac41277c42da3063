"""Agents, payloads and helpers the task tests share (API 6, 9)."""

from __future__ import annotations

import asyncio
from typing import Any

from actorkit import Actor, ActorRef, ActorSystem, Backoff, ChildSpec, OneForAll, Supervisor, Task

Journal = list[tuple[str, Any, int]]


class Block:
    """Holds whoever handles it (as a task payload or an ordinary message) until released;
    with `fail=True` it then raises."""

    def __init__(self, label: str = "block", *, fail: bool = False) -> None:
        self.label = label
        self.fail = fail
        self.entered = asyncio.Event()
        self.release = asyncio.Event()

    async def hold(self) -> None:
        self.entered.set()
        await self.release.wait()
        if self.fail:
            raise RuntimeError(f"{self.label} failed after release")


class Fail:
    """A task payload whose first `times` attempts raise."""

    def __init__(self, label: str, times: int) -> None:
        self.label = label
        self.times = times


class Worker(Actor):
    """An agent with the `work` capability that journals every task attempt it handles."""

    capabilities = ("work",)

    def __init__(self, journal: Journal) -> None:
        self.journal = journal

    async def receive(self, message: Any) -> Any:
        if isinstance(message, Task):
            payload = message.payload
            label = getattr(payload, "label", payload)
            self.journal.append((self.name, label, message.attempt))
            if isinstance(payload, Block):
                await payload.hold()
            elif isinstance(payload, Fail) and message.attempt <= payload.times:
                raise RuntimeError(f"{label} failed attempt {message.attempt}")
            return (self.name, label)
        if isinstance(message, Block):
            await message.hold()
        elif message == "crash":
            raise RuntimeError("an ordinary message crashed")
        return None


class Echo(Actor):
    capabilities = ("echo",)

    async def receive(self, message: Any) -> Any:
        return message


async def run(system: ActorSystem, payload: Any, **options: Any) -> Any:
    return await (await system.submit(payload, **options))


def labels(journal: Journal) -> list[Any]:
    return [label for _, label, _ in journal]


class Crashes(Actor):
    async def receive(self, message: Any) -> None:
        raise RuntimeError("a sibling crashed")


async def agent_and_crashing_sibling(
    system: ActorSystem, journal: Journal
) -> tuple[ActorRef, ActorRef]:
    """An agent under one_for_all with a sibling that crashes on any message: the sibling's
    crash restarts both, after a 10 s backoff."""
    strategy = OneForAll(backoff=Backoff(min=10.0, max=10.0, jitter=0.0))
    team = [ChildSpec(Worker, journal, name="agent"), ChildSpec(Crashes, name="crashes")]
    await system.spawn(Supervisor, team, strategy, name="team")
    agent, crashes = system.lookup("/team/agent"), system.lookup("/team/crashes")
    assert agent is not None and crashes is not None
    return agent, crashes
