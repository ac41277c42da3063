"""Cancellation: a caller that gives up (cancelled, or an `asyncio.timeout` around the call)
breaks nothing on the target's side and leaks nothing on its own: no ask left in the deadline
buckets, no message delivered behind its back, accounting balanced."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from actorkit import Actor, ActorSystem
from actorkit.testing import pending_asks, snapshot

from .invariants import TaskSnapshot, assert_invariants, assert_settled


class Gate(Actor):
    def __init__(self, gate: asyncio.Event, entered: asyncio.Event) -> None:
        self.gate = gate
        self.entered = entered
        self.seen: list[Any] = []

    async def receive(self, message: Any) -> Any:
        if message == "seen":
            return list(self.seen)
        self.seen.append(message)
        if message == "wait":
            self.entered.set()
            await self.gate.wait()
        return message


async def test_cancelled_askers_leave_no_pending_ask_and_the_target_handles_their_messages() -> (
    None
):
    gate, entered = asyncio.Event(), asyncio.Event()
    tasks = TaskSnapshot()
    async with ActorSystem() as system:
        ref = await system.spawn(Gate, gate, entered)
        in_handler = asyncio.ensure_future(ref.ask("wait", timeout=60))
        await entered.wait()
        queued = [asyncio.ensure_future(ref.ask(i, timeout=60)) for i in range(5)]
        await asyncio.sleep(0)
        assert pending_asks(system) == 6
        for asker in [in_handler, *queued]:
            asker.cancel()
        await asyncio.gather(in_handler, *queued, return_exceptions=True)
        assert pending_asks(system) == 0  # discarded from their buckets at once
        gate.set()
        # The target is untouched: it handles every message; the replies go nowhere.
        assert await ref.ask("seen") == ["wait", 0, 1, 2, 3, 4]
        await assert_settled(system)
    assert_invariants(system)
    await tasks.assert_no_leaks()


async def test_a_cancelled_ask_waiting_for_room_is_never_delivered() -> None:
    gate, entered = asyncio.Event(), asyncio.Event()
    async with ActorSystem() as system:
        ref = await system.spawn(Gate, gate, entered, mailbox_size=1)
        ref.tell("wait")
        await entered.wait()
        ref.tell("filler")  # the mailbox is full
        waiting = asyncio.ensure_future(ref.ask("never", timeout=60))
        await asyncio.sleep(0)
        waiting.cancel()
        with pytest.raises(asyncio.CancelledError):
            await waiting
        assert pending_asks(system) == 0
        gate.set()
        assert await ref.ask("seen") == ["wait", "filler"]
        # wait, filler, seen: the cancelled ask never was
        assert snapshot(ref).accounting.accepted == 3
        await assert_settled(system)


async def test_asyncio_timeout_around_ask_leaves_nothing_pending() -> None:
    gate, entered = asyncio.Event(), asyncio.Event()
    async with ActorSystem() as system:
        ref = await system.spawn(Gate, gate, entered)
        with pytest.raises(TimeoutError):
            async with asyncio.timeout(0.01):
                await ref.ask("wait", timeout=60)
        assert pending_asks(system) == 0
        gate.set()
        assert await ref.ask("after") == "after"
        await assert_settled(system)


class Quick(Actor):
    """Handles without awaiting, so one loop turn can free room, admit a waiting sender and
    get to its message: the race an `asyncio.timeout` around `send` must not lose."""

    def __init__(self, gate: asyncio.Event, entered: asyncio.Event) -> None:
        self.gate = gate
        self.entered = entered
        self.seen: list[Any] = []

    async def receive(self, message: Any) -> Any:
        if message == "wait":
            self.entered.set()
            await self.gate.wait()
        elif message == "seen":
            return list(self.seen)
        self.seen.append(message)
        return None


async def test_a_send_cancelled_in_the_turn_it_was_given_room_delivers_nothing() -> None:
    gate, entered = asyncio.Event(), asyncio.Event()
    async with ActorSystem() as system:
        ref = await system.spawn(Quick, gate, entered, mailbox_size=1)
        ref.tell("wait")
        await entered.wait()
        ref.tell("queued")  # full
        sender = asyncio.ensure_future(ref.send("abandoned"))
        await asyncio.sleep(0)  # the sender now waits for room
        # In one loop turn: the actor finishes "wait", handles "queued" and frees room for
        # the sender; then, before the sender runs again, its timeout fires.
        gate.set()
        loop = asyncio.get_running_loop()
        loop.call_soon(sender.cancel)
        with pytest.raises(asyncio.CancelledError):
            await sender
        assert await ref.ask("seen") == ["wait", "queued"]  # never "abandoned"
        await ref.send("next")  # the room it was given went to the next sender
        assert await ref.ask("seen") == ["wait", "queued", "next"]
        assert snapshot(ref).reserved == 0
        await assert_settled(system)


async def test_many_sends_under_asyncio_timeout_deliver_exactly_those_that_returned() -> None:
    got: list[int] = []

    class Sink(Actor):
        async def receive(self, message: Any) -> Any:
            if message != "sync":
                got.append(message)

    delivered: set[int] = set()

    async def sender(ref: Any, i: int, timeout: float) -> None:
        try:
            async with asyncio.timeout(timeout):
                await ref.send(i)
        except TimeoutError:
            return
        delivered.add(i)

    async with ActorSystem() as system:
        ref = await system.spawn(Sink, mailbox_size=2)
        for batch in range(20):
            await asyncio.gather(
                *(sender(ref, batch * 50 + i, (i % 7) * 0.0005) for i in range(50))
            )
        await ref.ask("sync")
        assert set(got) == delivered  # a sender that timed out left nothing behind
        assert len(got) == len(delivered)
        assert 0 < len(delivered) < 1000
        await assert_settled(system)


async def test_a_send_cancelled_while_it_waits_for_room_leaves_the_line_at_once() -> None:
    """Cancelled before room came: nothing of it stays in the line for the actor's next
    message to sweep out."""
    gate, entered = asyncio.Event(), asyncio.Event()
    async with asyncio.timeout(10), ActorSystem() as system:
        ref = await system.spawn(Gate, gate, entered, mailbox_size=1)
        ref.tell("wait")
        await entered.wait()
        ref.tell("queued")  # full
        sender = asyncio.ensure_future(ref.send("abandoned"))
        await asyncio.sleep(0)  # the sender now waits for room
        assert ref._mailbox.blocked
        sender.cancel()
        with pytest.raises(asyncio.CancelledError):
            await sender
        assert not ref._mailbox.blocked
        gate.set()
        assert await ref.ask("seen") == ["wait", "queued"]
        await assert_settled(system)
