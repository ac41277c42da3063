"""`self.timers.cancel` withdraws a queued tick without a scan of the queue (`_withdraw`): its
return value, the ticks that still arrive, the accounting and the room of a bounded mailbox,
with many ticks queued (past the receive loop's batch) and with restarts, stops and cuts while
withdrawn ticks are still in the queue."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace
from typing import Any

import pytest

from actorkit import Actor, ActorSystem, MailboxFull, OneForOne
from actorkit._dead_letters import DeadLetters
from actorkit._envelope import TICK
from actorkit._mailbox import BATCH, Mailbox
from actorkit._room import UNBOUNDED
from actorkit._withdraw import SWEEP, Seal, sealed, sweep, take_back, withdraw
from actorkit.testing import ManualClock, snapshot

from .invariants import assert_invariants
from .timers_support import Stepper, arriving, withdrawn_by

WIDE = 3 * BATCH + 7
"""Ticks queued at once: past the receive loop's reach between two of its yields."""


def arm(count: int, delay: float = 1.0) -> Any:
    def step(actor: Actor) -> None:
        for key in range(count):
            actor.timers.start_once(key, ("tick", key), delay)

    return step


async def held_with_ticks(
    system: ActorSystem,
    clock: ManualClock,
    seen: list[Any],
    count: int,
    step: Any = None,
    **spawn: Any,
) -> tuple[Any, asyncio.Event, Actor]:
    """A `Stepper` with `count` ticks queued behind a handler held on the returned gate, which
    then runs `step`; and its instance, for plain code to call its timers."""
    ref = await system.spawn(Stepper, seen, **spawn)
    instance: Actor = await ref.ask(lambda actor: actor)
    await ref.ask(arm(count))
    gate = asyncio.Event()
    ref.tell(("hold", gate, step or (lambda actor: None)))
    await clock.advance(1.0)
    assert snapshot(ref).accounting.queued == count
    return ref, gate, instance


async def test_cancel_says_whether_there_was_a_timer_or_a_queued_tick(clock: ManualClock) -> None:
    """Called from plain code while the actor awaits in a handler, as from a handler."""
    seen: list[Any] = []
    async with asyncio.timeout(5), ActorSystem(clock=clock) as system:
        ref, gate, instance = await held_with_ticks(system, clock, seen, 3)
        timers = instance.timers
        assert timers.cancel(1)  # fired, its tick queued: withdrawn
        assert not timers.cancel(1)  # once
        assert snapshot(ref).accounting.queued == 2  # at once, before the actor runs
        assert_invariants(system)
        timers.start_once("live", "never", 5.0)
        assert timers.cancel("live") and not timers.cancel("live")
        assert not timers.cancel("never started")
        gate.set()
        await ref.ask(lambda actor: None)
        assert seen == [("tick", 0), ("tick", 2)]
        assert not timers.cancel(0)  # fired and handled: neither
        assert_invariants(system)


async def test_a_one_shot_tick_cancelled_from_its_own_handler_was_neither(
    clock: ManualClock,
) -> None:
    answers: list[bool] = []

    class Own(Actor):
        async def receive(self, message: Any) -> None:
            if message == "arm":
                self.timers.start_once("k", "tick", 1.0)
            elif message == "tick":
                answers.append(self.timers.cancel("k"))

    async with asyncio.timeout(5), ActorSystem(clock=clock) as system:
        ref = await system.spawn(Own)
        await ref.ask("arm")
        await clock.advance(1.0)
        await ref.ask("sync")
        assert answers == [False]


async def test_a_periodic_timers_queued_ticks_are_all_withdrawn(clock: ManualClock) -> None:
    """A periodic timer queues a tick per interval while its actor is held (one, then several):
    cancelled from plain code, none arrives; cancelled from the handler of the first, the ones
    queued behind it do not either."""
    seen: list[Any] = []

    def tick(actor: Actor) -> None:
        seen.append("tick")
        actor.timers.cancel("p")

    async with asyncio.timeout(5), ActorSystem(clock=clock) as system:
        ref = await system.spawn(Stepper, seen)
        instance: Actor = await ref.ask(lambda actor: actor)
        for from_plain_code in (True, False):
            await ref.ask(lambda actor: actor.timers.start_every("p", tick, 1.0))
            gate = asyncio.Event()
            ref.tell(("hold", gate, lambda actor: None))
            for queued in (1, 2, 3):
                await clock.advance(1.0)
                assert snapshot(ref).accounting.queued == queued
            if from_plain_code:
                assert instance.timers.cancel("p")
                assert snapshot(ref).accounting.queued == 0
                assert_invariants(system)
            gate.set()
            await ref.ask(lambda actor: None)
            assert_invariants(system)
        assert seen == ["tick"]
        assert snapshot(ref).accounting.queued == 0


async def test_ticks_cancelled_one_per_handler_never_arrive_wherever_they_are_queued(
    clock: ManualClock,
) -> None:
    """Each tick's handler cancels the timer of the next tick (about to be reached) and of one
    far behind (past the loop's reach): the rest arrive in order, and the counts balance."""
    seen: list[Any] = []
    answers: list[bool] = []

    class Canceller(Actor):
        async def receive(self, message: Any) -> Any:
            if callable(message):
                return message(self)
            if isinstance(message, tuple) and message[0] == "hold":
                await message[1].wait()
                return None
            _, key = message
            seen.append(key)
            answers.extend(self.timers.cancel(other) for other in withdrawn_by(key, WIDE))
            return None

    async with asyncio.timeout(10), ActorSystem(clock=clock) as system:
        ref = await system.spawn(Canceller, mailbox_size=None)
        await ref.ask(arm(WIDE))
        gate = asyncio.Event()
        ref.tell(("hold", gate))
        await clock.advance(1.0)
        gate.set()
        await ref.ask(lambda actor: None)
        expected, cancelled = arriving(WIDE)
        assert seen == expected
        assert answers.count(True) == len(cancelled) and len(cancelled) >= WIDE // 3
        box = snapshot(ref).accounting
        assert box.queued == 0 and box.accepted == box.processed
        assert system.dead_letters.count == 0
        assert_invariants(system)


async def test_a_key_started_again_before_its_old_tick_left_the_queue(clock: ManualClock) -> None:
    seen: list[Any] = []

    def again(actor: Actor) -> None:
        assert actor.timers.cancel(0)
        actor.timers.start_once(0, "again", 1.0)  # before the loop's next message
        assert actor.timers.is_active(0) and actor.timers.cancel(1)

    async with asyncio.timeout(5), ActorSystem(clock=clock) as system:
        ref, gate, _ = await held_with_ticks(system, clock, seen, 2, again)
        gate.set()
        await ref.ask(lambda actor: None)
        assert seen == []
        await clock.advance(1.0)
        await ref.ask(lambda actor: None)
        assert seen == ["again"]
        assert_invariants(system)


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


class Failing(Stepper):
    async def receive(self, message: Any) -> Any:
        if message == ("tick", 0):
            raise RuntimeError("the first tick fails")
        return await super().receive(message)


async def test_a_failed_handler_does_not_carry_the_loop_onto_a_withdrawn_tick(
    clock: ManualClock,
) -> None:
    """A message whose handler failed left the queue without counting down the loop's reach:
    a tick withdrawn just behind it must not be handled after the actor resumes."""
    seen: list[Any] = []

    class Resuming(Actor):
        supervisor_strategy = OneForOne(decider=lambda error: "resume")

        async def on_start(self) -> None:
            self.child = await self.spawn(Failing, seen, mailbox_size=None)

        async def receive(self, message: Any) -> Any:
            return self.child

    async with asyncio.timeout(5), ActorSystem(clock=clock) as system:
        parent = await system.spawn(Resuming)
        ref = await parent.ask("child")
        await ref.ask(arm(WIDE))
        gate = asyncio.Event()

        def withdraw_behind_the_first(actor: Actor) -> None:
            for key in range(1, WIDE, 2):
                assert actor.timers.cancel(key)

        ref.tell(("hold", gate, withdraw_behind_the_first))
        await clock.advance(1.0)
        gate.set()
        await ref.ask(lambda actor: None)
        assert seen == [("tick", key) for key in range(2, WIDE, 2)]
        assert_invariants(system)


@pytest.mark.parametrize("end", ["restart", "stop", "cancel_all"])
async def test_withdrawn_ticks_still_in_the_queue_at_a_restart_or_stop(
    clock: ManualClock, end: str
) -> None:
    """Half the ticks withdrawn, the rest ended by a restart, a stop or `cancel_all` while
    the withdrawn ones are still in the queue: none arrives, none is a dead letter."""
    seen: list[Any] = []

    def then(actor: Actor) -> None:
        for key in range(0, WIDE, 2):
            assert actor.timers.cancel(key)
        if end == "restart":
            raise RuntimeError("restart with withdrawn ticks queued")
        if end == "stop":
            actor.stop()
        if end == "cancel_all":
            actor.timers.cancel_all()

    async with asyncio.timeout(5), ActorSystem(clock=clock) as system:
        ref, gate, _ = await held_with_ticks(
            system, clock, seen, WIDE, then, mailbox_size=None, restart="transient"
        )
        gate.set()
        await clock.settle()
        assert_invariants(system)
        assert ref.is_alive == (end != "stop")
        if end != "stop":
            await ref.ask(lambda actor: None)
        assert seen == [] and system.dead_letters.count == 0
        box = snapshot(ref).accounting
        assert box.queued == 0 and box.dead_lettered == 0
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
