"""The mailbox's one room rule: offer, force, take back, hand over, and who waits for room."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from actorkit import Actor, ActorSystem, AskTimeout, MailboxFull
from actorkit._dead_letters import DeadLetters
from actorkit._mailbox import Mailbox
from actorkit._withdraw import take_back
from actorkit.testing import ManualClock


class _Gated(Actor):
    def __init__(self, entered: asyncio.Event, gate: asyncio.Event, log: list[str]) -> None:
        self.entered, self.gate, self.log = entered, gate, log

    async def receive(self, message: Any) -> Any:
        if message == "block":
            self.entered.set()
            await self.gate.wait()
        self.log.append(message)
        if message == "B":
            try:
                self.ref.tell("D")
            except MailboxFull:
                self.log.append("tell refused")
        return message


async def test_a_tell_cannot_take_the_place_granted_to_a_waiting_send() -> None:
    """The reproduction: with `mailbox_size=1`, a send waiting for room is granted the slot
    freed by the actor; a tell made before the send's task runs must not take it too."""
    entered, gate, log = asyncio.Event(), asyncio.Event(), list[str]()
    async with ActorSystem(metrics=False) as system:
        ref = await system.spawn(_Gated, entered, gate, log, mailbox_size=1)
        ref.tell("block")
        await entered.wait()
        ref.tell("B")
        sender = asyncio.create_task(ref.send("C"))
        await asyncio.sleep(0)  # one turn: the send is now waiting for room
        with pytest.raises(MailboxFull):
            ref.tell("E")  # somebody waits for room: a tell may not jump the line
        gate.set()
        await sender
        assert await ref.ask("end", timeout=5.0) == "end"
    assert log == ["block", "B", "tell refused", "C", "end"]


def test_offer_refuses_at_capacity_and_once_closed() -> None:
    box = Mailbox(2)
    assert box.offer(1) and box.offer(2)
    assert not box.offer(3)
    assert (len(box), box.accepted) == (2, 2)
    dead = DeadLetters(lambda: 0.0)
    box.close("/a", "stopping", dead)
    assert (len(box), box.dead_lettered, dead.count) == (0, 2, 2)
    assert not box.offer(4) and not box.force(5)
    assert box.accepted == box.dead_lettered


def test_force_passes_the_bound_and_take_back_undoes_it() -> None:
    box = Mailbox(1)
    assert box.offer("a") and box.force("task")
    assert len(box) == 2
    assert take_back(box, "task") and not take_back(box, "task")
    assert (len(box), box.accepted) == (1, 1)


class _OddEquality:
    """A message whose `==` misbehaves: it raises (as a numpy array's does) or answers True to
    everything (as `unittest.mock.ANY` does)."""

    def __init__(self, raises: bool) -> None:
        self.raises = raises

    def __eq__(self, other: object) -> bool:
        if self.raises:
            raise ValueError("the truth value of an array is ambiguous")
        return True

    __hash__ = object.__hash__


def test_take_back_removes_that_very_message_whatever_the_others_compare_equal_to() -> None:
    box = Mailbox(10)
    before = [_OddEquality(raises=True), _OddEquality(raises=False)]
    for item in before:
        box.offer(item)
    task = ["the task"]
    box.force(task)
    assert take_back(box, task)
    assert [id(m) for m in box.queue] == [id(m) for m in before] and box.accepted == 2
    assert not take_back(box, task)


def test_hand_over_keeps_what_is_kept_in_order() -> None:
    box = Mailbox(10)
    for item in ["a", "keep1", "b", "keep2", "c"]:
        box.offer(item)
    given = box.hand_over(keep=lambda m: str(m).startswith("keep"))
    assert given == ["a", "b", "c"]
    assert list(box.queue) == ["keep1", "keep2"] and box.accepted == 2


async def test_a_cancelled_send_leaves_the_line_and_its_place_passes_on() -> None:
    box = Mailbox(1)
    box.offer("full")
    first = asyncio.create_task(box.put("first"))
    second = asyncio.create_task(box.put("second"))
    await asyncio.sleep(0)  # one turn: the senders' tasks queue for room
    assert box.blocked is not None and len(box.blocked) == 2
    first.cancel()
    await asyncio.gather(first, return_exceptions=True)
    assert len(box.blocked) == 1  # nothing of the given-up sender is held
    box.queue.popleft()
    box.folded += 1
    box.admit()
    assert await second
    assert list(box.queue) == ["second"]


async def test_a_sender_cancelled_once_granted_passes_its_place_to_the_next_in_line() -> None:
    """Granted a place but cancelled before taking it: the place goes to the next waiting
    sender at once, not when the actor next frees room (which may be never)."""
    box = Mailbox(1)
    box.offer("full")
    first = asyncio.create_task(box.put("first"))
    second = asyncio.create_task(box.put("second"))
    await asyncio.sleep(0)  # one turn: the senders' tasks queue for room
    box.queue.popleft()
    box.folded += 1
    box.admit()  # grants `first` its place; its task has not run yet
    assert box.reserved == 1 and box.blocked is not None and len(box.blocked) == 1
    first.cancel()
    await asyncio.gather(first, return_exceptions=True)
    assert not box.blocked  # granted to `second` in the same turn
    assert await second
    assert list(box.queue) == ["second"] and box.reserved == 0


@pytest.mark.parametrize(
    "remove",
    [lambda box: take_back(box, "queued"), lambda box: box.hand_over(lambda message: False)],
    ids=["take_back", "hand_over"],
)
async def test_room_freed_by_taking_messages_out_lets_a_waiting_sender_in(
    remove: Any,
) -> None:
    box = Mailbox(1)
    box.waiter = asyncio.get_running_loop().create_future()  # the actor, parked
    box.offer("queued")
    sender = asyncio.create_task(box.put("waiting"))
    await asyncio.sleep(0)  # one turn: the sender's task queues for room
    assert box.blocked and not box.offer("refused")
    remove(box)  # a task taken back, or messages handed to a pool's new members
    async with asyncio.timeout(5):
        assert await sender
    assert list(box.queue) == ["waiting"] and box.waiter is None  # delivered, and woken


async def test_an_ask_that_gives_up_while_waiting_leaves_the_line() -> None:
    box = Mailbox(1)
    box.offer("full")
    deadline: asyncio.Future[None] = asyncio.get_running_loop().create_future()
    waiting = asyncio.create_task(box.put("ask", give_up=deadline))
    await asyncio.sleep(0)  # one turn: the sender's task queues for room
    deadline.set_exception(TimeoutError())
    deadline.exception()
    assert await waiting is False
    assert not box.blocked


async def test_an_ask_whose_deadline_comes_while_it_waits_for_room_is_a_dead_letter() -> None:
    """Dropped unsent: the asker gets `AskTimeout`, the message goes to the dead letters as
    `expired`, and the actor never sees it."""
    entered, gate, log = asyncio.Event(), asyncio.Event(), list[str]()
    clock = ManualClock()
    async with asyncio.timeout(10), ActorSystem(metrics=False, clock=clock) as system:
        ref = await system.spawn(_Gated, entered, gate, log, mailbox_size=1)
        ref.tell("block")
        await entered.wait()
        ref.tell("queued")  # full
        asker = asyncio.create_task(ref.ask("late", timeout=1.0))
        await clock.advance(1.0)
        with pytest.raises(AskTimeout):
            await asker
        assert [(letter.message, letter.reason) for letter in system.dead_letters.recent] == [
            ("late", "expired")
        ]
        gate.set()
        assert await ref.ask("end") == "end"
    assert log == ["block", "queued", "end"]
