"""Senders waiting for room leave the line at once when they give up, from anywhere in it
(README, "Actors, refs and mailboxes"), and at the cost of one: thousands of asks or sends
timing out together in any order (random timeouts over a full mailbox) are not a quadratic
walk of the line, which made asks time out seconds past their bound."""

from __future__ import annotations

import asyncio
import os
import random
import sys
from types import FrameType
from typing import Any

from actorkit import Actor, ActorSystem

WIDTH = 600
PER_SENDER = 40
"""The most lines of the mailbox's code a sender's leaving may run; walking the line ran
about WIDTH / 2 each in random order."""
MAILBOX = tuple(os.path.join("actorkit", name) for name in ("_mailbox.py", "_room.py"))
"""Where the line lives: a file missing here would count nothing, and pass."""


class Held(Actor):
    """Holds its first message until `gate` is set, so that its mailbox stays full."""

    def __init__(self, gate: asyncio.Event, got: list[Any]) -> None:
        self.gate, self.got = gate, got

    async def receive(self, message: Any) -> None:
        await self.gate.wait()
        self.got.append(message)


async def _waiting(system: ActorSystem, n: int, got: list[Any]) -> tuple[Any, Any, list[Any]]:
    """A full mailbox of one with `n` senders waiting in line, numbered in arrival order."""
    gate = asyncio.Event()
    ref = await system.spawn(Held, gate, got, mailbox_size=1)
    ref.tell("hold")
    await asyncio.sleep(0)  # its handler holds "hold": the next fills the mailbox
    ref.tell("full")
    senders = [asyncio.ensure_future(ref.send(i)) for i in range(n)]
    await asyncio.sleep(0)  # each took its first step: all wait in line, in order
    return ref, gate, senders


async def test_senders_giving_up_from_the_middle_leave_the_rest_in_order() -> None:
    got: list[Any] = []
    async with asyncio.timeout(10), ActorSystem() as system:
        _ref, gate, senders = await _waiting(system, 10, got)
        for i in (7, 3, 5, 0, 9):
            senders[i].cancel()
        gate.set()
        await asyncio.gather(*senders, return_exceptions=True)
        await system.shutdown()
    assert got == ["hold", "full", 1, 2, 4, 6, 8]
    assert system.dead_letters.count == 0 and system.accounting().balanced


async def _lines_to_leave(order: str) -> int:
    """The lines of the mailbox's code run while every waiting sender gives up, in `order`."""
    got: list[Any] = []
    counted = 0

    def local(frame: FrameType, event: str, arg: object) -> Any:
        nonlocal counted
        counted += event == "line"
        return local

    def calls(frame: FrameType, event: str, arg: object) -> Any:
        return local if frame.f_code.co_filename.endswith(MAILBOX) else None

    async with ActorSystem(metrics=False) as system:
        _ref, gate, senders = await _waiting(system, WIDTH, got)
        leaving = list(senders)
        if order == "random":
            random.Random(7).shuffle(leaving)
        before = sys.gettrace()
        sys.settrace(calls)
        try:
            for sender in leaving:
                sender.cancel()
            await asyncio.gather(*senders, return_exceptions=True)
        finally:
            sys.settrace(before)
        gate.set()
    assert got == ["hold", "full"]  # nobody left behind a message
    return counted


async def test_thousands_of_senders_giving_up_in_any_order_cost_each_what_one_does() -> None:
    """Counted in lines of the mailbox's code, not timed: the same whatever the order, and a
    few per sender (walking the line cost about WIDTH² / 2 in random order)."""
    async with asyncio.timeout(60):
        first_in_first_out = await _lines_to_leave("fifo")
        shuffled = await _lines_to_leave("random")
    assert first_in_first_out >= WIDTH  # each leaving ran some of the code counted
    assert shuffled <= PER_SENDER * WIDTH, (shuffled, first_in_first_out)
    assert shuffled <= 2 * first_in_first_out, (shuffled, first_in_first_out)


async def test_a_line_that_emptied_keeps_no_memory_of_how_long_it_was() -> None:
    """A mailbox that once had thousands of senders waiting must not hold a table sized for
    them for the rest of its life (an ordered dict keeps its size when emptied)."""
    got: list[Any] = []
    async with asyncio.timeout(30), ActorSystem(metrics=False) as system:
        ref, gate, senders = await _waiting(system, 4 * WIDTH, got)
        mailbox = ref._cell.mailbox  # the line itself is what is measured
        for sender in senders[: 2 * WIDTH]:
            sender.cancel()  # half give up, anywhere in the line
        gate.set()  # the rest are admitted
        await asyncio.gather(*senders, return_exceptions=True)
        line = mailbox.blocked
        assert not line
        assert line is None or sys.getsizeof(line) <= sys.getsizeof(type(line)())
        assert len(got) == 2 + 2 * WIDTH


async def test_a_line_whose_senders_all_gave_up_keeps_no_memory_of_how_long_it_was() -> None:
    """The same, for a line that empties as its senders give up, none of them admitted."""
    got: list[Any] = []
    async with asyncio.timeout(30), ActorSystem(metrics=False) as system:
        ref, gate, senders = await _waiting(system, 4 * WIDTH, got)
        mailbox = ref._cell.mailbox  # the line itself is what is measured
        for sender in senders:
            sender.cancel()
        await asyncio.gather(*senders, return_exceptions=True)
        line = mailbox.blocked
        assert not line
        assert line is None or sys.getsizeof(line) <= sys.getsizeof(type(line)())
        gate.set()
