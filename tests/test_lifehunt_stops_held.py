"""Stops and shutdowns probed from outside (API §9, "Actors and stopping"): what was queued
or waiting for room is handled, dead-lettered or answered exactly once for each kind of stop;
a drain whose mailbox keeps being refilled still ends within the shutdown's bound; of two
concurrent shutdowns the shorter timeout decides; a name is free once `Terminated` says so."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import pytest

from actorkit import Actor, ActorSystem, NotDelivered, Terminated
from actorkit.testing import FORCED_STOP_GRACE

BOUND = 5.0
SLACK = 1.5
"""What a loaded 2-core machine may add to a bound measured in real time: a stall of the
whole process is no fault here, and the faults these bounds catch (a drain that never ends,
the longer timeout deciding) take `BOUND` and more."""


class Gated(Actor):
    def __init__(self, gate: asyncio.Event, entered: asyncio.Event, seen: list[Any]) -> None:
        self.gate, self.entered, self.seen = gate, entered, seen

    async def receive(self, message: Any) -> Any:
        if message == "hold":
            self.entered.set()
            await self.gate.wait()
        self.seen.append(message)
        return message


@pytest.mark.parametrize("kind", ["stop", "forced stop", "shutdown", "forced shutdown"])
async def test_queued_and_waiting_messages_meet_each_stop_once(kind: str) -> None:
    """A full mailbox of one: one message in hand, one queued, two `send`s and an ask
    waiting for room when the stop comes."""
    async with asyncio.timeout(BOUND):
        system = await ActorSystem().start()
        gate, entered = asyncio.Event(), asyncio.Event()
        seen: list[Any] = []
        ref = await system.spawn(Gated, gate, entered, seen, mailbox_size=1)
        ref.tell("hold")
        await entered.wait()
        ref.tell("queued")
        waiting = [
            asyncio.ensure_future(ref.send("sent 1")),
            asyncio.ensure_future(ref.send("sent 2")),
            asyncio.ensure_future(ref.ask("asked")),
        ]
        await asyncio.sleep(0)  # one step each: all three wait for room now
        if kind == "forced stop":
            await ref.stop(timeout=0)
        elif kind == "forced shutdown":
            await system.shutdown(timeout=0)
        else:
            stop = system.shutdown(timeout=BOUND) if kind == "shutdown" else ref.stop()
            stopping = asyncio.ensure_future(stop)
            await asyncio.sleep(0)
            gate.set()
            await stopping
        answers = await asyncio.gather(*waiting, return_exceptions=True)
        await system.shutdown()
    letters = system.dead_letters
    assert answers[:2] == [None, None]
    if kind == "shutdown":
        assert seen == ["hold", "queued", "sent 1", "sent 2", "asked"]
        assert answers[2] == "asked"
        assert letters.count == 0
        return
    assert isinstance(answers[2], NotDelivered)
    dead = {"stop": ("stopping", 4), "forced stop": ("stopping", 5)}.get(kind, ("shutdown", 5))
    assert letters.by_reason == {dead[0]: dead[1]}
    assert letters.count == dead[1]
    assert seen == (["hold"] if kind == "stop" else [])


class Refills(Actor):
    """Every message it handles sends it another: its queue never empties by itself."""

    async def receive(self, message: int) -> None:
        await asyncio.sleep(0)
        self.ref.tell(message + 1)


async def test_a_drain_that_refills_itself_ends_within_the_timeout() -> None:
    timeout = 0.2
    async with asyncio.timeout(BOUND):
        system = await ActorSystem().start()
        refills = await system.spawn(Refills)
        refills.tell(0)
        began = time.monotonic()
        await system.shutdown(timeout=timeout)
        took = time.monotonic() - began
    assert not refills.is_alive
    assert took < timeout + FORCED_STOP_GRACE + SLACK
    assert system.dead_letters.by_reason.keys() <= {"shutdown", "stopped"}


class Busy(Actor):
    def __init__(self, entered: asyncio.Event) -> None:
        self.entered = entered

    async def receive(self, message: Any) -> None:
        self.entered.set()
        await asyncio.Event().wait()


@pytest.mark.parametrize("first", [0.1, 30.0])
async def test_of_two_concurrent_shutdowns_the_shorter_timeout_decides(first: float) -> None:
    second = 30.0 if first < 1 else 0.1
    async with asyncio.timeout(BOUND):
        system = await ActorSystem().start()
        entered = asyncio.Event()
        busy = await system.spawn(Busy, entered)
        busy.tell("forever")
        busy.tell("queued")
        await entered.wait()
        began = time.monotonic()
        earlier = asyncio.ensure_future(system.shutdown(timeout=first))
        await asyncio.sleep(0)
        await system.shutdown(timeout=second)
        await earlier
        took = time.monotonic() - began
    assert took < 0.1 + FORCED_STOP_GRACE + SLACK
    assert system.dead_letters.by_reason == {"shutdown": 2}


class Child(Actor):
    async def receive(self, message: Any) -> Any:
        if message == "stop yourself":
            self.stop()
        elif message == "fail":
            raise ValueError("failed on purpose")
        return message


class Respawns(Actor):
    """Watches its child `k` and, told of its end, spawns a new `k` at once."""

    def __init__(self, told: asyncio.Queue[Any], restart: str) -> None:
        self.told, self.restart = told, restart

    async def on_start(self) -> None:
        self.watch(await self.spawn(Child, name="k", restart=self.restart))

    async def receive(self, message: Any) -> Any:
        if not isinstance(message, Terminated):
            return self.children[0]
        found = self.system.lookup(f"{self.path}/k")
        new = await self.spawn(Child, name="k")
        self.told.put_nowait((found, new != message.ref, self.children == [new]))
        return None


@pytest.mark.parametrize("how", ["stop", "forced stop", "stop yourself", "fail"])
async def test_a_name_is_free_when_terminated_arrives(how: str) -> None:
    told: asyncio.Queue[Any] = asyncio.Queue()
    restart = "temporary" if how in ("stop yourself", "fail") else "permanent"
    async with asyncio.timeout(BOUND), ActorSystem() as system:
        parent = await system.spawn(Respawns, told, restart)
        child = await parent.ask("child")
        if how == "stop":
            await child.stop()
        elif how == "forced stop":
            await child.stop(timeout=0)
        elif how == "fail":
            with pytest.raises(ValueError):
                await child.ask(how)
        else:
            await child.ask(how)
        assert await told.get() == (None, True, True)
        assert not child.is_alive
