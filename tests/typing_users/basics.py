"""API.md §1-2: a system, actors, spawn with every option, tell/send/ask, refs in messages."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from prometheus_client import CollectorRegistry

import actorkit
from actorkit import (
    DEFAULT_MAILBOX_SIZE,
    Actor,
    ActorError,
    ActorRef,
    ActorStopped,
    ActorSystem,
    AskTimeout,
    MailboxFull,
    NameTaken,
    NotDelivered,
    OneForOne,
    Ref,
)
from actorkit.persistence import MemoryStore
from actorkit.testing import ManualClock


class Counter(Actor):
    def __init__(self, start: int = 0, *, step: int = 1) -> None:
        self.count = start
        self.step = step

    async def on_start(self) -> None:
        self.subscribe("counters.>")

    async def receive(self, message: object) -> object:
        if message == "get":
            return self.count
        if isinstance(message, int):
            self.count += message * self.step
        return None

    async def on_stop(self) -> None:
        self.unsubscribe("counters.>")


@dataclass(frozen=True)
class Get:
    reply_to: Ref  # any handle: local, pool or remote


@dataclass(frozen=True)
class Forward:
    target: ActorRef
    payload: object


class Relay(Actor):
    """Refs travel in messages; the actor answers through the ref it was given."""

    async def receive(self, message: object) -> object:
        if isinstance(message, Get):
            message.reply_to.tell(self.path)
            await message.reply_to.send(self.name)
            reply: object = await message.reply_to.ask("get", timeout=1.0)
            return reply
        if isinstance(message, Forward):
            return await message.target.ask(message.payload)
        return None


class Parent(Actor):
    async def on_start(self) -> None:
        child: ActorRef = await self.spawn(Counter, 1, name="child", step=2)
        await self.spawn(
            Counter,
            name="worker",
            mailbox_size=None,
            restart="temporary",
            capabilities=("count",),
        )
        self.watch(child)
        parent: ActorRef | None = self.parent
        kids: list[ActorRef] = self.children
        me: ActorRef = self.ref
        system: ActorSystem = self.system
        assert parent is None and kids[0] == child and me.path == self.path
        assert system.lookup(child.path) is child

    async def receive(self, message: object) -> object:
        if message == "stop-child":
            for child in self.children:
                self.unwatch(child)
                await child.stop()
        if message == "done":
            self.stop()
        return len(self.children)


class Switching(Actor):
    """Akka's `become`: assign `self.receive`, `del self.receive` goes back."""

    async def receive(self, message: object) -> object:
        if message == "angry":
            # mypy refuses any assignment to a method; this one is the documented `become`
            self.receive = self.angry  # type: ignore[method-assign]
        return "calm"

    async def angry(self, message: object) -> object:
        if message == "calm":
            del self.receive
        return "angry"


def make_counter() -> Counter:
    return Counter(5)


async def ask_all(refs: list[Ref], message: object) -> list[object]:
    return [await ref.ask(message, timeout=0.5) for ref in refs]


async def main() -> None:
    async with ActorSystem("app") as system:
        ref = await system.spawn(Counter, 10, name="counter")
        ref.tell(5)
        await ref.send(5)
        assert await ref.ask("get", timeout=1.0) == 20
        by_path: object = await system.ask("/counter", "get", timeout=1.0)
        assert by_path == 20

        # every option spawn takes
        await system.spawn(
            Counter,
            1,
            name="full",
            mailbox_size=DEFAULT_MAILBOX_SIZE * 2,
            restart="transient",
            capabilities=("count",),
            step=3,
        )
        await system.spawn(Counter, mailbox_size=None, restart="temporary", capabilities=["x"])
        await system.spawn(make_counter)  # a callable returning an actor
        await system.spawn(lambda: Counter(7), name="lambda")
        parent = await system.spawn(Parent, name="parent")
        relay = await system.spawn(Relay)
        assert await relay.ask(Get(reply_to=ref)) == 20
        await relay.ask(Forward(target=parent, payload="x"))
        switching = await system.spawn(Switching)
        await switching.ask("angry")

        found: ActorRef | None = system.lookup("/parent/child")
        assert found is not None and found.is_alive
        count: int = system.actor_count
        name: str = ref.name
        path: str = ref.path
        print(count, name, path, {ref: 1}, ref == found)

        async with asyncio.TaskGroup() as group:
            pending = [group.create_task(r.ask("get")) for r in (ref, parent)]
        answers: list[object] = [task.result() for task in pending]
        in_time: object = await asyncio.wait_for(ref.ask("get"), timeout=1.0)
        print(answers, in_time)

        refs: list[Ref] = [ref, parent]
        print(await ask_all(refs, "get"))

        try:
            ref.tell(1)
            await ref.ask("get", timeout=0.01)
        except MailboxFull:
            pass
        except AskTimeout as error:
            timeout_error: TimeoutError = error
            print(timeout_error)
        except NotDelivered:
            pass
        except ActorStopped:
            pass
        try:
            await system.spawn(Counter, name="counter")
        except NameTaken as taken:
            print(taken)
        except ActorError as error:  # every error of actorkit's own
            print(error)
        await ref.stop()
        await parent.stop(timeout=1.0)

        # from another thread: hand calls to the loop
        loop = asyncio.get_running_loop()

        def from_a_thread() -> object:
            loop.call_soon_threadsafe(ref.tell, "job")
            return asyncio.run_coroutine_threadsafe(ref.ask("get", timeout=1.0), loop).result(2.0)

        await actorkit.to_thread(from_a_thread)


def start(system: ActorSystem) -> Callable[[], Awaitable[ActorSystem]]:
    return system.start


async def explicit() -> None:
    system = ActorSystem(
        "everything",
        supervisor=OneForOne(max_restarts=5),
        metrics=True,
        clock=ManualClock(),
        transport=None,
        blocked_threshold=0.5,
        registry=CollectorRegistry(),
        store=MemoryStore(),
        agent_history=True,
    )
    started: ActorSystem = await system.start()
    try:
        await started.spawn(Counter)
    finally:
        await system.shutdown(timeout=10.0)
    failure: BaseException | None = system.failure
    print(failure)


if __name__ == "__main__":
    actorkit.run(main())
