"""Senders waiting for room while their actor stops, is stopped by force, drains at shutdown
or waits out a restart's backoff (api.md §9): each learns its message's fate at once, as the
dead letters record it, and nothing waits on."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any

import pytest

from actorkit import (
    Actor,
    ActorStopped,
    ActorSystem,
    AskTimeout,
    Backoff,
    NotDelivered,
    OneForOne,
)
from actorkit._ref import local_cell
from actorkit.testing import ManualClock

from .invariants import assert_settled


class _Held(Actor):
    """Holds "block" until its gate opens (for ever when it never does); fails on "crash"."""

    def __init__(self, gate: asyncio.Event, log: list[Any]) -> None:
        self.gate, self.log = gate, log

    async def receive(self, message: Any) -> Any:
        if message == "block":
            await self.gate.wait()
        if message == "crash":
            raise RuntimeError("crash")
        self.log.append(message)
        return message


async def _full_with_a_line(ref: Any, line: int) -> list[asyncio.Task[Any]]:
    """`block` in hand, `queued` queued, then `line` senders waiting, sends and asks."""
    ref.tell("block")
    await asyncio.sleep(0)
    ref.tell("queued")
    tasks: list[asyncio.Task[Any]] = []
    for i in range(line):
        waiting = ref.ask(i, timeout=30.0) if i % 2 else ref.send(i)
        tasks.append(asyncio.create_task(waiting))
        await asyncio.sleep(0)
    mailbox = local_cell(ref).mailbox  # type: ignore[union-attr]
    assert mailbox.blocked is not None and len(mailbox.blocked) == line
    return tasks


def _fates(system: ActorSystem) -> dict[Any, str]:
    fates: dict[Any, str] = {}
    for letter in system.dead_letters.recent:
        assert letter.message not in fates, f"{letter.message!r} dead-lettered twice"
        fates[letter.message] = letter.reason
    return fates


@pytest.mark.parametrize("how", ["stop", "forced stop"])
async def test_a_line_waiting_when_its_actor_stops_learns_it_as_the_stop_closes(how: str) -> None:
    """No sender waits past the close: each send returns (its message a dead letter
    `stopping`), each ask fails `NotDelivered` (a dead letter `stopping` too); nothing
    waiting was handled."""
    gate, log = asyncio.Event(), list[Any]()
    async with asyncio.timeout(10), ActorSystem(metrics=False) as system:
        ref = await system.spawn(_Held, gate, log, mailbox_size=1)
        tasks = await _full_with_a_line(ref, 6)
        if how == "stop":
            stopping = asyncio.create_task(ref.stop())
            await asyncio.sleep(0)
            gate.set()
            await stopping
        else:
            await ref.stop(timeout=0.0)
        await answered_within_a_turn(tasks)  # at once: they were answered at the close
        results = await asyncio.gather(*tasks, return_exceptions=True)
        for i, result in enumerate(results):
            if i % 2:
                assert type(result) is NotDelivered, (i, result)
            else:
                assert result is None, (i, result)
        fates = _fates(system)
        assert {i: fates.get(i) for i in range(6)} == dict.fromkeys(range(6), "stopping")
        assert fates["queued"] == "stopping"
        assert log == (["block"] if how == "stop" else [])
        assert_closed_room(ref)
        await assert_settled(system)
        gate.set()


async def answered_within_a_turn(waiting: Sequence[asyncio.Future[Any]]) -> None:
    """The waiters were answered by the close itself: one loop turn lets each of their
    tasks see its answer, with no time passing that a stalled machine could stretch."""
    await asyncio.sleep(0)
    assert [task.done() for task in waiting] == [True] * len(waiting)


def assert_closed_room(ref: Any) -> None:
    mailbox = local_cell(ref).mailbox  # type: ignore[union-attr]
    assert (mailbox.blocked, mailbox.granted, mailbox.reserved) == (None, None, 0)


async def test_a_shutdown_drain_lets_the_whole_line_in_and_handles_it_in_order() -> None:
    """A drain makes room, so the line is admitted, in arrival order, and handled: every
    send returns, every ask is answered, no dead letter."""
    gate, log = asyncio.Event(), list[Any]()
    async with asyncio.timeout(10):
        system = ActorSystem(metrics=False)
        await system.start()
        ref = await system.spawn(_Held, gate, log, mailbox_size=1)
        tasks = await _full_with_a_line(ref, 6)
        shutting = asyncio.create_task(system.shutdown(timeout=5.0))
        await asyncio.sleep(0)
        gate.set()
        results = await asyncio.gather(*tasks)
        await shutting
        assert results == [None if i % 2 == 0 else i for i in range(6)]
        assert log == ["block", "queued", *range(6)]
        assert system.dead_letters.count == 0


async def test_a_line_keeps_its_places_and_order_across_a_backoff(clock: ManualClock) -> None:
    """The actor fails with a line waiting and waits out a 10 s backoff: the asks whose
    timeout comes first fail `AskTimeout` (dead letters `expired`, never entered), the rest
    of the line gets in after the restart, in arrival order, each once."""
    gate, log = asyncio.Event(), list[Any]()
    strategy = OneForOne(max_restarts=5, within=60.0, backoff=Backoff(10.0, 10.0, jitter=0.0))
    async with (
        asyncio.timeout(10),
        ActorSystem(metrics=False, clock=clock, supervisor=strategy) as system,
    ):
        ref = await system.spawn(_Held, gate, log, mailbox_size=1)
        ref.tell("block")
        await asyncio.sleep(0)
        ref.tell("crash")
        tasks: list[asyncio.Task[Any]] = []
        for i in range(6):  # asks 1 and 3 time out in the backoff, 5 outlasts it
            waiting = ref.ask(i, timeout=30.0 if i == 5 else 5.0) if i % 2 else ref.send(i)
            tasks.append(asyncio.create_task(waiting))
            await asyncio.sleep(0)
        gate.set()
        await clock.settle()  # "block" handled, "crash" failed it: backoff, 0 let in
        mailbox = local_cell(ref).mailbox  # type: ignore[union-attr]
        assert len(mailbox) + mailbox.reserved == 1
        await clock.advance(6.0)
        for i in (1, 3):
            with pytest.raises(AskTimeout):
                await tasks[i]
        await clock.advance(5.0)  # restarted
        results = await asyncio.gather(*(tasks[i] for i in (0, 2, 4, 5)))
        assert results == [None, None, None, 5]
        assert log == ["block", 0, 2, 4, 5]
        assert _fates(system) == {1: "expired", 3: "expired"}
        await assert_settled(system)


async def test_an_ask_waiting_at_an_actor_in_backoff_is_answered_when_a_shutdown_closes_it(
    clock: ManualClock,
) -> None:
    """A draining stop finds the actor waiting out its backoff: its queue is dead-lettered
    `not_restarted`, and the waiting ask is answered at that close, `NotDelivered`, as any
    close answers it, without waiting for its deadline; the waiting send returns."""
    gate, log = asyncio.Event(), list[Any]()
    strategy = OneForOne(backoff=Backoff(30.0, 30.0, jitter=0.0))
    async with asyncio.timeout(10):
        system = ActorSystem(metrics=False, clock=clock, supervisor=strategy)
        await system.start()
        ref = await system.spawn(_Held, gate, log, mailbox_size=1)
        ref.tell("crash")
        await clock.settle()
        ref.tell("queued")
        asking = asyncio.ensure_future(ref.ask("the ask", timeout=20.0))
        sending = asyncio.ensure_future(ref.send("the send"))
        await clock.settle()
        await system.shutdown(timeout=5.0)  # the clock stands: the ask's deadline never comes
        await answered_within_a_turn([asking, sending])
        with pytest.raises(ActorStopped):  # NotDelivered, its subclass
            await asking
        await sending
        assert _fates(system) == {
            "queued": "not_restarted",
            "the ask": "shutdown",
            "the send": "shutdown",
        }
        assert log == []
