"""The order promises of docs/api.md §9 ("Order and delivery") that hold as they are: the
watched actor's last messages before its `Terminated`, timers due at one time in the order
scheduled, and a queued ask handled after its asker timed out."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from actorkit import Actor, ActorSystem, AskTimeout, Backoff, OneForOne, Terminated
from actorkit.persistence import EventSourced
from actorkit.testing import ManualClock

from .persistence.durable_support import Deposited, FlakyStore, journal

pytestmark = pytest.mark.timeout(10)


class Watcher(Actor):
    def __init__(self, log: list[object]) -> None:
        self.log = log

    async def receive(self, message: Any) -> Any:
        if isinstance(message, Terminated):
            self.log.append("DOWN")
        elif isinstance(message, tuple):
            self.watch(message[1])
        elif message == "fail":
            raise KeyError("restart me")
        else:
            self.log.append(message)


class Watched(Actor):
    """Sends its watcher 0..8 by tell, send and publish (while it has room), then ends as
    told."""

    def __init__(self, watcher: Any, blocked: asyncio.Event) -> None:
        self.watcher = watcher
        self.blocked = blocked

    async def receive(self, how: str) -> None:
        for i in range(9):
            if i % 3 == 0 and i < 3:
                self.watcher.tell(i)
            elif i % 3 != 2:
                await self.watcher.send(i)
            else:
                self.system.publish("watcher", i)
        if how == "self_stop":
            self.stop()
        elif how == "fail":
            raise RuntimeError("stop me")
        elif how == "block":
            self.blocked.set()
            await asyncio.Event().wait()


class Parent(Actor):
    supervisor_strategy = OneForOne(
        decider={RuntimeError: "stop", KeyError: "restart"},
        backoff=Backoff(min=1.0, max=1.0, jitter=0.0),
    )

    async def receive(self, spec: tuple[Any, ...]) -> Any:
        factory, size, *args = spec
        return await self.spawn(factory, *args, mailbox_size=size, restart="transient")


@pytest.mark.parametrize("how", ["self_stop", "fail", "orderly", "forced"])
@pytest.mark.parametrize("watcher_in_backoff", [False, True])
async def test_terminated_comes_after_the_watched_actors_last_messages(
    clock: ManualClock, how: str, watcher_in_backoff: bool
) -> None:
    log: list[object] = []
    blocked = asyncio.Event()
    async with asyncio.timeout(5), ActorSystem(clock=clock) as system:
        parent = await system.spawn(Parent)
        # Running, its small mailbox makes the watched actor's sends wait for room; in backoff
        # it has room for them all, so that the watched actor stops while it waits.
        watcher = await parent.ask((Watcher, 20 if watcher_in_backoff else 2, log))
        system.subscribe(watcher, "watcher")
        watched = await parent.ask((Watched, None, watcher, blocked))
        await watcher.ask(("watch", watched))
        if watcher_in_backoff:
            watcher.tell("fail")
            await clock.settle()
        watched.tell("block" if how in ("orderly", "forced") else how)
        if how == "orderly":
            watched.tell("fill")  # queued behind the blocked handler: a dead letter
            await blocked.wait()
            stopping = asyncio.create_task(watched.stop())
            await clock.settle()
            assert not stopping.done()  # an orderly stop waits for the handler
            stopping.cancel()  # the stop goes on; force it now
            await watched.stop(timeout=0)
        elif how == "forced":
            await blocked.wait()
            await watched.stop(timeout=0)
        await clock.settle()
        await clock.advance(1.0)  # the watcher's backoff, if any
        await clock.settle()
        # A publish that found the small mailbox full is a dead letter, never a wait.
        refused = [d.message for d in system.dead_letters.recent if d.reason == "mailbox_full"]
        assert log[-1] == "DOWN"
        assert log[:-1] == sorted(set(range(9)) - set(refused))
        assert all(isinstance(i, int) and i % 3 == 2 for i in refused)


class Recorder(Actor):
    def __init__(self, seen: list[object], gate: asyncio.Event) -> None:
        self.seen = seen
        self.gate = gate

    async def receive(self, message: Any) -> Any:
        if message == "hold":
            await self.gate.wait()
        else:
            self.seen.append(message)
        return message


async def test_timers_due_at_one_time_fire_in_the_order_scheduled(clock: ManualClock) -> None:
    seen: list[object] = []
    async with asyncio.timeout(5), ActorSystem(clock=clock) as system:
        ref = await system.spawn(Recorder, seen, asyncio.Event())
        delays = [0.5, 0.25, 0.5, 0.0, 0.25, 0.5, 0.0, 0.5]
        for i, delay in enumerate(delays):
            system.schedule_once(delay, ref, i)
        await clock.advance(1.0)
        await clock.settle()
        assert seen == sorted(range(len(delays)), key=lambda i: delays[i])
        assert seen == [3, 6, 1, 4, 0, 2, 5, 7]


async def test_a_queued_ask_whose_asker_timed_out_is_still_handled(clock: ManualClock) -> None:
    """As in Akka: the ask's message was delivered; only its reply has nobody to go to."""
    seen: list[object] = []
    gate = asyncio.Event()
    async with asyncio.timeout(5), ActorSystem(clock=clock) as system:
        ref = await system.spawn(Recorder, seen, gate)
        ref.tell("hold")
        asked = asyncio.create_task(ref.ask("late", timeout=0.1))
        await clock.settle()
        await clock.advance(0.2)
        with pytest.raises(AskTimeout):
            await asked
        ref.tell("next")
        gate.set()
        await clock.settle()
        assert seen == ["late", "next"]
        assert system.dead_letters.count == 0


class Journaled(EventSourced):
    """Persists each message's number, and fails on a negative one."""

    def __init__(self, seen: list[int]) -> None:
        self.seen = seen

    def apply(self, event: Any) -> None:
        """The journal is the state."""

    async def receive(self, message: int) -> int:
        self.seen.append(message)
        await self.persist(Deposited(message))
        if message < 0:
            raise KeyError("restart and recover")
        return message


async def test_what_a_durable_actor_gets_while_it_recovers_waits_in_order(
    clock: ManualClock,
) -> None:
    """A restart's recovery holds the mailbox: a sender's tells, sends and asks made during
    it are handled after it, in the order sent, each once."""
    store = FlakyStore()
    seen: list[int] = []
    async with asyncio.timeout(5), ActorSystem(clock=clock, store=store) as system:
        ref = await system.spawn(Journaled, seen, persistence_id="j", mailbox_size=2)
        store.gate = asyncio.Event()
        ref.tell(-1)  # fails after persisting: the restart recovers, held at the gate
        await store.reading.wait()
        ref.tell(1)
        await ref.send(2)
        sending = asyncio.create_task(ref.send(3))  # the mailbox is full: waits for room
        asked = asyncio.create_task(ref.ask(4))
        await asyncio.sleep(0)  # one turn: both tasks take their place in line, in order
        assert not sending.done() and not asked.done()  # (`settle` would wait on the store)
        store.gate.set()
        assert await asked == 4
        await sending
        await clock.settle()
        assert seen == [-1, 1, 2, 3, 4]
        assert [event.amount for event in await journal(store, "j")] == [-1, 1, 2, 3, 4]
