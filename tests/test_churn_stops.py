"""Per-request actors: spawned, asked once and stopped, each `await ref.stop()` returns with
the actor's task ended, its hooks run where they must, and its accounting retired."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from actorkit import Actor, ActorSystem, NotDelivered

pytestmark = pytest.mark.timeout(10)


class Echo(Actor):
    async def receive(self, message: Any) -> Any:
        return message


class Hooked(Actor):
    def __init__(self, seen: list[str]) -> None:
        self.seen = seen

    async def on_stop(self) -> None:
        self.seen.append(f"on_stop in {asyncio.current_task() is self.task()}")

    def task(self) -> asyncio.Task[Any] | None:
        return self._cell.task

    async def receive(self, message: Any) -> Any:
        return message


class Kept(Actor):
    """No `__init__` of its own: spawned with arguments, it is refused."""

    async def receive(self, message: Any) -> Any:
        return message


def run_tasks() -> set[asyncio.Task[Any]]:
    return {t for t in asyncio.all_tasks() if t.get_coro().__qualname__ == "run"}  # type: ignore[union-attr]


async def test_the_stop_of_a_parked_actor_returns_with_its_task_ended() -> None:
    async with ActorSystem("churn") as system:
        before = run_tasks()
        for i in range(20):
            ref = await system.spawn(Echo)
            assert await ref.ask(i) == i
            assert len(run_tasks() - before) == 1  # parked, after its first message
            await ref.stop()
            assert run_tasks() == before
            assert not ref.is_alive
            with pytest.raises(NotDelivered):
                await ref.ask(i)
        assert system.actor_count == 0
        assert system.accounting().balanced
        assert system.accounting().processed == 20


async def test_the_stop_of_a_parked_actor_with_on_stop_runs_it_in_its_task() -> None:
    seen: list[str] = []
    async with ActorSystem("churn") as system:
        before = run_tasks()
        for i in range(5):
            ref = await system.spawn(Hooked, seen)
            assert await ref.ask(i) == i
            await ref.stop()
            assert seen[-1] == "on_stop in True"
            assert run_tasks() == before
        assert len(seen) == 5
        assert system.accounting().balanced


async def test_a_class_without_init_spawned_with_arguments_is_refused() -> None:
    async with ActorSystem("churn") as system:
        with pytest.raises(TypeError):
            await system.spawn(Kept, 1)
        with pytest.raises(TypeError):
            await system.spawn(Kept, size=1)
        assert system.actor_count == 0
