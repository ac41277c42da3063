"""An ask whose deadline and its actor's close come in the same loop turn (api.md §9): the
first of the two answers it and names its dead letter, never one told and the other
recorded. Waiting for room, a deadline first is `AskTimeout` and `expired`; a close first is
`NotDelivered` and the stop's reason, though the asker runs only after both (the close
answers it there and then), also once granted a place it has not taken yet. An asker
cancelled after either answered its ask leaves the dead letter of that answer, which the
metric counts; cancelled first, neither. Queued, the message keeps a queued message's fate:
the close dead-letters it with the stop's reason, also when the asker timed out just before."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from actorkit import Actor, ActorRef, ActorSystem, AskTimeout, NotDelivered
from actorkit._outside_stop import kill
from actorkit.testing import ManualClock

from .ask_fates_support import give_the_head_s_place, in_the_deadlines_turn
from .invariants import assert_settled


class Held(Actor):
    """Holds its first message until `gate` opens: what comes next queues, then waits."""

    def __init__(self, gate: asyncio.Event) -> None:
        self.gate = gate

    async def receive(self, message: Any) -> Any:
        await self.gate.wait()
        return message


def close_in_the_deadlines_turn(
    monkeypatch: pytest.MonkeyPatch, ref: ActorRef, first: str, *, granted: bool = False
) -> None:
    """From now on, the asks' deadlines fire in one turn with a forced stop's close of `ref`,
    after it (`first` is "close") or before it ("deadline"); with `granted`, the first sender
    waiting for room is granted a place ahead of both, which it has not taken when they come."""
    cell = ref._cell

    def before() -> None:
        if granted:
            assert give_the_head_s_place(cell.mailbox)
        if first == "close":
            kill([cell])

    def after() -> None:
        if first == "deadline":
            kill([cell])

    in_the_deadlines_turn(monkeypatch, before, after)


async def the_ask_s_fate(system: ActorSystem, ref: ActorRef, clock: ManualClock, where: str) -> str:
    """Asks `ref`, in hand already, queued or waiting for room as `where` says, and lets its
    deadline come; returns the reason of its one dead letter, once the asker had its error."""
    ref.tell("in hand")
    await clock.settle()
    if where != "queued":
        ref.tell("queued")
    asking = asyncio.ensure_future(ref.ask("the ask", timeout=1.0))
    await clock.settle()
    assert (ref._cell.mailbox.blocked is not None) == (where != "queued")
    await clock.advance(1.0)
    with pytest.raises((AskTimeout, NotDelivered)) as raised:
        await asking
    fates = [d.reason for d in system.dead_letters.recent if d.message == "the ask"]
    assert len(fates) == 1, fates
    return f"{type(raised.value).__name__} {fates[0]}"


def asks(system: ActorSystem, outcome: str) -> float | None:
    labels = {"actor_type": "Held", "outcome": outcome}
    return system.metrics.registry.get_sample_value("actorkit_asks_total", labels)


@pytest.mark.parametrize(
    ("where", "first", "fate"),
    [
        ("waiting for room", "deadline", "AskTimeout expired"),
        ("waiting for room", "close", "NotDelivered stopping"),
        ("granted a place", "deadline", "AskTimeout expired"),
        ("granted a place", "close", "NotDelivered stopping"),
        ("queued", "deadline", "AskTimeout stopping"),
        ("queued", "close", "NotDelivered stopping"),
    ],
)
async def test_an_ask_s_deadline_and_its_actor_s_close_in_one_turn_agree_on_its_fate(
    where: str, first: str, fate: str, monkeypatch: pytest.MonkeyPatch, clock: ManualClock
) -> None:
    gate = asyncio.Event()
    async with asyncio.timeout(10), ActorSystem(clock=clock) as system:
        ref = await system.spawn(Held, gate, name="held", mailbox_size=1)
        granted = where == "granted a place"
        close_in_the_deadlines_turn(monkeypatch, ref, first, granted=granted)
        assert await the_ask_s_fate(system, ref, clock, where) == fate
        timed_out = fate.startswith("AskTimeout")  # the outcome counted is what the asker got
        assert (asks(system, "timeout"), asks(system, "stopped")) == (timed_out, not timed_out)
        gate.set()
        await assert_settled(system)


@pytest.mark.parametrize("first", ["deadline", "close"])
async def test_a_pool_member_s_close_leaves_its_waiting_ask_to_its_deadline(
    first: str, monkeypatch: pytest.MonkeyPatch, clock: ManualClock
) -> None:
    """Its pool would route the ask again, so the close does not answer it: a deadline in
    that turn does, either way, and the dead letter says so."""
    gate = asyncio.Event()
    async with asyncio.timeout(10), ActorSystem(clock=clock) as system:
        pool = await system.spawn_pool(Held, gate, size=1, mailbox_size=1, name="pool")
        [member] = pool.members
        close_in_the_deadlines_turn(monkeypatch, member, first)
        assert await the_ask_s_fate(system, member, clock, "waiting for room") == (
            "AskTimeout expired"
        )
        gate.set()
        await assert_settled(system)


@pytest.mark.parametrize(
    ("first", "outcome", "letters"),
    [
        ("close", "stopped", ["stopping"]),
        ("deadline", "timeout", ["expired"]),
        ("cancellation", "cancelled", []),
    ],
)
async def test_an_asker_cancelled_as_its_waiting_ask_is_answered_leaves_the_answer_s_dead_letter(
    first: str,
    outcome: str,
    letters: list[str],
    monkeypatch: pytest.MonkeyPatch,
    clock: ManualClock,
) -> None:
    """An ask waiting for room, answered by its actor's close or its deadline, whose asker is
    cancelled in that same turn, just after: the asker hears its cancellation, the metric
    counts the answer, and the message is the dead letter of that answer (it was counted so,
    and recorded nowhere). Cancelled just before the close, it is not answered and never
    went: counted `cancelled`, and no dead letter."""
    gate = asyncio.Event()
    asking: list[asyncio.Future[Any]] = []
    async with asyncio.timeout(10), ActorSystem(clock=clock) as system:
        ref = await system.spawn(Held, gate, name="held", mailbox_size=1)
        cell = ref._cell
        in_the_deadlines_turn(monkeypatch, lambda: None, lambda: asking[0].cancel())
        ref.tell("in hand")
        await clock.settle()
        ref.tell("queued")
        asking.append(asyncio.ensure_future(ref.ask("the ask", timeout=1.0)))
        await clock.settle()
        if first == "close":
            kill([cell])
            asking[0].cancel()
        elif first == "cancellation":
            asking[0].cancel()
            kill([cell])
        else:
            await clock.advance(1.0)
        with pytest.raises(asyncio.CancelledError):
            await asking[0]
        assert [d.reason for d in system.dead_letters.recent if d.message == "the ask"] == letters
        counted = {kind: asks(system, kind) for kind in ("stopped", "timeout", "cancelled")}
        assert counted == {kind: float(kind == outcome) for kind in counted}
        gate.set()
        await assert_settled(system)
