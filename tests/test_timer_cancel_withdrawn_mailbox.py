"""A withdrawn tick in the mailbox: its place is free at once for a waiting sender of a bounded
mailbox; a task taken back ahead of it brings it within the loop's reach to be swept; a hand
over, a close and the load (`least_loaded`) leave it out."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace
from typing import Any

import pytest

from actorkit import ActorSystem, MailboxFull
from actorkit._dead_letters import DeadLetters
from actorkit._envelope import TICK
from actorkit._mailbox import Mailbox
from actorkit._room import UNBOUNDED
from actorkit._withdraw import SWEEP, Seal, sealed, sweep, take_back, withdraw
from actorkit.testing import ManualClock, snapshot

from .invariants import assert_invariants
from .timer_cancel_support import held_with_ticks


async def test_a_cancel_frees_a_place_for_a_waiting_sender_at_once(clock: ManualClock) -> None:
    seen: list[Any] = []
    async with asyncio.timeout(5), ActorSystem(clock=clock) as system:
        ref, gate, instance = await held_with_ticks(system, clock, seen, 3, mailbox_size=3)
        sending = asyncio.ensure_future(ref.send("sent"))
        await clock.settle()
        assert not sending.done()  # three ticks fill the mailbox
        assert instance.timers.cancel(1)
        await asyncio.wait_for(sending, 1)  # admitted while the actor is still held
        assert snapshot(ref).accounting.queued == 3
        with pytest.raises(MailboxFull):
            ref.tell("one too many")
        assert_invariants(system)
        gate.set()
        await ref.ask(lambda actor: None)
        assert seen == [("tick", 0), ("tick", 2), "sent"]
        assert_invariants(system)


def withdrawable_box(capacity: int, left: int) -> tuple[Mailbox, Any, list[Any]]:
    """A mailbox whose loop reaches `left` messages, holding a task, two messages, a tick
    (past that reach) and a last message; and a stand-in for its cell."""
    box = Mailbox(capacity)
    box.left = left
    cell = SimpleNamespace(mailbox=box, handling=None)
    tick = sealed("tick", Seal(), "/a", TICK)
    queued: list[Any] = [["task"], "m1", "m2", tick, "m3"]
    for message in queued:
        box.force(message)
    return box, cell, queued


def test_a_task_taken_back_ahead_of_a_withdrawn_tick_sweeps_it_before_the_next_message() -> None:
    """`take_back` brings the messages behind it one nearer the loop: a withdrawn tick just
    past the loop's reach comes within it, and is swept before the loop's next message."""
    box, cell, (task, m1, m2, tick, m3) = withdrawable_box(UNBOUNDED, 3)
    assert withdraw(cell, tick) and not withdraw(cell, tick)
    assert box.signals == [SWEEP] and len(box) == 4 and box.accepted == 4
    box.signals.clear()
    sweep(box)  # its reach: the task, m1, m2
    assert list(box.queue) == [task, m1, m2, tick, m3]
    assert take_back(box, task)
    assert box.signals == [SWEEP]  # the tick is within reach now
    sweep(box)
    assert list(box.queue) == [m1, m2, m3] and not box.withdrawn
    assert len(box) == box.accepted == 3


def test_hand_over_close_and_load_leave_withdrawn_messages_out() -> None:
    dead = DeadLetters(lambda: 0.0)
    box, cell, (task, m1, m2, tick, m3) = withdrawable_box(4, 1)
    withdraw(cell, tick)
    assert box.limit == 5 and len(box) == 4  # the tick takes no place, nor load (least_loaded)
    assert box.load == 2 * 4 + 1
    assert box.hand_over(keep=lambda message: message != m1) == [m1]
    assert list(box.queue) == [task, m2, m3] and box.accepted == 3 and box.limit == 4
    box2, cell2, (_, _, _, tick2, _) = withdrawable_box(10, 1)
    withdraw(cell2, tick2)
    box2.close("/a", "stopped", dead)
    assert box2.accepted == box2.dead_lettered == 4 and dead.count == 4
    assert "tick" not in [letter.message for letter in dead.recent]
