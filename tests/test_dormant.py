"""An actor with neither `on_start` nor `on_stop` gets its task on its first wake-up, not at
spawn: idle actors cost no task. Everything observable stays as if the task had started at
spawn: the context is the spawner's, signals and handed-over tasks wake it, stops close it."""

from __future__ import annotations

import asyncio
import contextvars
from typing import Any

import pytest

from actorkit import Actor, ActorStopped, ActorSystem
from actorkit.testing import snapshot

pytestmark = pytest.mark.timeout(10)

request_id: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="none")


class Echo(Actor):
    async def receive(self, message: Any) -> Any:
        if message == "context":
            return request_id.get()
        return message


class Stopping(Actor):
    async def on_stop(self) -> None:
        pass


def actor_tasks() -> int:
    coroutines = (task.get_coro() for task in asyncio.all_tasks())
    return sum(1 for coroutine in coroutines if getattr(coroutine, "__qualname__", None) == "run")


async def test_idle_actors_have_no_task_until_their_first_message() -> None:
    async with ActorSystem("dormant") as system:
        before = actor_tasks()
        refs = [await system.spawn(Echo) for _ in range(50)]
        await asyncio.sleep(0)
        assert actor_tasks() == before
        assert all(snapshot(ref).parked for ref in refs)
        assert await refs[7].ask("hi") == "hi"
        assert actor_tasks() == before + 1


async def test_an_actor_with_on_stop_starts_its_task_at_spawn() -> None:
    async with ActorSystem("dormant") as system:
        before = actor_tasks()
        await system.spawn(Stopping)
        assert actor_tasks() == before + 1


async def test_the_first_message_runs_in_the_spawners_context() -> None:
    async with ActorSystem("dormant") as system:
        token = request_id.set("spawner")
        ref = await system.spawn(Echo)
        request_id.reset(token)
        request_id.set("sender")
        assert await ref.ask("context") == "spawner"


class ContextAgent(Actor):
    capabilities = ("context",)

    async def receive(self, message: Any) -> Any:
        return request_id.get()


async def test_a_task_that_wakes_a_dormant_agent_runs_in_the_spawners_context() -> None:
    """The submit that hands the task over wakes the agent from the submitter's task: its
    task is made in the context saved at spawn all the same."""
    async with ActorSystem("dormant") as system:
        token = request_id.set("spawner")
        await system.spawn(ContextAgent)
        request_id.reset(token)
        request_id.set("submitter")
        before = actor_tasks()
        handle = await system.submit("context", requires=["context"])
        assert actor_tasks() == before + 1  # made by this submit
        assert await handle == "spawner"


async def test_a_dormant_actor_stops_and_its_queued_tell_is_accounted() -> None:
    async with ActorSystem("dormant") as system:
        ref = await system.spawn(Echo)
        await ref.stop()
        assert not ref.is_alive
        other = await system.spawn(Echo)
        other.tell("queued")
        await other.stop()
        assert not other.is_alive
        assert system.accounting().balanced


class TellsItself(Actor):
    """Sends to itself from `__init__`, before spawning has set up its wake-up."""

    def __init__(self, got: asyncio.Future[Any], stop: bool) -> None:
        self.got = got
        self.ref.tell("from __init__")
        if stop:
            self.stop()

    async def receive(self, message: Any) -> None:
        self.got.set_result(message)


async def test_a_tell_from_init_is_handled_without_another_message() -> None:
    async with ActorSystem("dormant") as system:
        got: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        await system.spawn(TellsItself, got, False)
        assert await asyncio.wait_for(got, 5) == "from __init__"


async def test_a_stop_from_init_ends_the_actor_without_another_message() -> None:
    """Control runs before traffic: the stop comes first, and the tell is a dead letter."""
    async with ActorSystem("dormant") as system:
        letters: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        system.dead_letters.listen(letters.set_result)
        got: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        ref = await system.spawn(TellsItself, got, True, restart="temporary")
        letter = await asyncio.wait_for(letters, 5)
        assert (letter.message, letter.recipient) == ("from __init__", ref.path)
        assert not ref.is_alive and not got.done()
        assert system.accounting().balanced


class Watcher(Actor):
    def __init__(self, seen: list[object]) -> None:
        self.seen = seen

    async def receive(self, message: Any) -> Any:
        if isinstance(message, tuple):
            self.watch(message[0])
        else:
            self.seen.append(message)


async def test_a_parked_actor_stops_at_once_with_its_task_finished() -> None:
    """A woken actor parked on an empty mailbox (no children, no `on_stop`) is closed by
    `await ref.stop()` without a signal through its task; the stop still returns with the
    task finished, the name free and its watchers told."""
    async with ActorSystem("parked") as system:
        seen: list[object] = []
        watcher = await system.spawn(Watcher, seen)
        refs = [await system.spawn(Echo, name=f"e{i}") for i in range(20)]
        for ref in refs:
            assert await ref.ask("hello") == "hello"  # woken: it has a task, now parked
            await watcher.ask((ref,))
        tasks = actor_tasks()
        for ref in refs:
            await ref.stop()
            assert not ref.is_alive
        assert actor_tasks() == tasks - len(refs)  # every stopped actor's task has ended
        assert system.lookup("/e0") is None
        await system.spawn(Echo, name="e0")  # the name is free at once
        assert await watcher.ask("sync") is None
        assert len([m for m in seen if m != "sync"]) == len(refs)  # one Terminated each
        with pytest.raises(ActorStopped, match="stopped"):
            await refs[0].ask("hello")
        assert system.dead_letters.count == 0


async def test_a_cancelled_stop_of_a_parked_actor_still_stops_it() -> None:
    async with ActorSystem("parked") as system:
        ref = await system.spawn(Echo)
        assert await ref.ask("hello") == "hello"
        tasks = actor_tasks()
        stopping = asyncio.ensure_future(ref.stop())
        await asyncio.sleep(0)  # the stop has closed the actor and yields once
        stopping.cancel()
        with pytest.raises(asyncio.CancelledError):
            await stopping
        assert not ref.is_alive
        await asyncio.sleep(0)
        assert actor_tasks() == tasks - 1
