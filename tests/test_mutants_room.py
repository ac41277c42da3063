"""Room edges a mutation review of `_room` found untested: a pool member whose stop hands its
waiting senders and its asks back (`Record.hand_back`) has room again for what comes while
its `on_stop` runs, as any stopping actor has until it closes; an ask that waited for room,
took its place and is in hand at a forced stop is not answered as one never delivered; a
close with nothing queued or waiting still answers an ask granted a place; a member stopping
with nothing queued hands back the ask still waiting in line."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from actorkit import Actor, ActorStopped, ActorSystem, NotDelivered
from actorkit._outside_stop import kill
from actorkit._withdraw import take_back
from actorkit.testing import ManualClock

from .ask_fates_support import in_the_deadlines_turn
from .room_support import room_problems


class SlowToStop(Actor):
    """Holds "hold" until `gate` opens; its `on_stop` waits for `leave`."""

    def __init__(self, entered: asyncio.Event, gate: asyncio.Event, leave: asyncio.Event) -> None:
        self.entered, self.gate, self.leave = entered, gate, leave

    async def receive(self, message: Any) -> Any:
        if message == "hold":
            self.entered.set()
            await self.gate.wait()
        return message

    async def on_stop(self) -> None:
        self.entered.set()
        await self.leave.wait()


async def test_a_member_whose_stop_handed_its_line_back_has_room_during_its_on_stop() -> None:
    """Its mailbox of one holds an ask, a send waits for room: the stop hands both back (the
    ask to the pool, which routes it to the other member; the send is a dead letter), and
    the mailbox, empty and with nobody in line, takes a tell again, as any stopping actor's
    does until it closes, where the tell becomes a dead letter."""
    entered, gate, leave = asyncio.Event(), asyncio.Event(), asyncio.Event()
    async with asyncio.timeout(10), ActorSystem(metrics=False) as system:
        pool = await system.spawn_pool(SlowToStop, entered, gate, leave, size=2, mailbox_size=1)
        member = pool.members[0]
        member.tell("hold")
        await entered.wait()
        entered.clear()
        asking = asyncio.ensure_future(member.ask("the ask"))
        await asyncio.sleep(0)  # queued: the mailbox is full
        sending = asyncio.ensure_future(member.send("the send"))
        stopping = asyncio.ensure_future(member.stop())
        await asyncio.sleep(0)  # the send waits in line, the stop behind "hold"
        gate.set()
        await entered.wait()  # in its `on_stop`: the line and the ask were handed back
        assert await asking == "the ask"  # answered by the other member
        await sending
        mailbox = member._cell.mailbox
        assert room_problems(mailbox) == []
        member.tell("during its on_stop")  # room: nothing queued, nobody waits
        leave.set()
        await stopping
        with_reasons = [(d.message, d.reason) for d in system.dead_letters.recent]
        assert with_reasons == [("the send", "stopping"), ("during its on_stop", "stopping")]
        assert system.accounting().balanced


class Holds(Actor):
    """Holds each message named in `held` until its event is set, after setting `entered`."""

    def __init__(self, entered: asyncio.Event, held: dict[str, asyncio.Event]) -> None:
        self.entered, self.held = entered, held

    async def receive(self, message: Any) -> Any:
        if message in self.held:
            self.entered.set()
            await self.held[message].wait()
        return message


async def test_an_ask_that_waited_for_room_and_is_in_hand_at_a_forced_stop_is_not_undelivered() -> (
    None
):
    """Granted a place, it took it and is being handled when a forced stop closes its actor:
    the close answers the asks still waiting or granted (NotDelivered: a retry is safe), not
    one that took its place long before, whose handler the stop cut (ActorStopped)."""
    entered, held = asyncio.Event(), {"hold": asyncio.Event(), "the ask": asyncio.Event()}
    async with asyncio.timeout(10), ActorSystem(metrics=False) as system:
        ref = await system.spawn(Holds, entered, held, mailbox_size=1)
        ref.tell("hold")
        await entered.wait()
        entered.clear()
        ref.tell("queued")  # full
        asking = asyncio.ensure_future(ref.ask("the ask"))
        await asyncio.sleep(0)  # it waits for room
        held["hold"].set()
        await entered.wait()  # "queued" made room for it, and now it is in hand
        await ref.stop(timeout=0)
        with pytest.raises(ActorStopped) as raised:
            await asking
        assert type(raised.value) is ActorStopped  # not its subclass NotDelivered


async def test_a_close_first_answers_an_ask_granted_the_place_of_the_only_queued_message(
    monkeypatch: pytest.MonkeyPatch, clock: ManualClock
) -> None:
    """The only queued message leaves (taken back, as a task the task layer takes back) and
    its place goes to the ask waiting for room; in that turn, before the asker runs, a forced
    stop closes the busy actor, then the ask's deadline comes. Nothing is queued or waiting,
    but the ask granted a place is answered by the close that came first (api.md §9)."""
    async with asyncio.timeout(10), ActorSystem(clock=clock, metrics=False) as system:
        ref = await system.spawn(
            Holds, asyncio.Event(), {"in hand": asyncio.Event()}, mailbox_size=1
        )
        cell = ref._cell

        def before() -> None:
            assert take_back(cell.mailbox, "queued")
            assert cell.mailbox.granted and not cell.mailbox.queue
            kill([cell])

        in_the_deadlines_turn(monkeypatch, before, lambda: None)
        ref.tell("in hand")
        await clock.settle()
        ref.tell("queued")
        asking = asyncio.ensure_future(ref.ask("the ask", timeout=1.0))
        await clock.settle()
        await clock.advance(1.0)
        with pytest.raises(NotDelivered):
            await asking
        fates = [d.reason for d in system.dead_letters.recent if d.message == "the ask"]
        assert fates == ["stopping"]


class StopsAtQ(SlowToStop):
    """Stops itself on "q", without yielding: the place "q" freed is granted, not taken."""

    async def receive(self, message: Any) -> Any:
        if message == "q":
            self.stop()
            return None
        return await super().receive(message)


@pytest.mark.parametrize(
    "line",
    ["send, ask", "ask, send", "ask"],
    ids=["the ask behind a send", "the ask before a send", "the ask alone"],
)
async def test_a_member_stopping_hands_back_the_ask_waiting_in_line(line: str) -> None:
    """Its mailbox of one: "q" queued, an ask waiting for room (behind a send, before one, or
    alone). "q" leaves the queue, its place granted to the first in line, which has not taken
    it, and stops the member. Nothing is queued, but the ask, waiting in line or granted the
    place, goes back to the pool as the stop begins (api.md, pools: "the asks waiting for room
    at its full mailbox then"), answered by the other member while this one's `on_stop` still
    runs: not into the stopping member's queue to wait out its `on_stop` there."""
    entered, gate, leave = asyncio.Event(), asyncio.Event(), asyncio.Event()
    async with asyncio.timeout(10), ActorSystem(metrics=False) as system:
        pool = await system.spawn_pool(
            StopsAtQ, entered, gate, leave, size=2, mailbox_size=1, restart="temporary"
        )
        member = pool.members[0]
        member.tell("hold")
        await entered.wait()
        entered.clear()
        member.tell("q")
        waiting = {}
        for what in line.split(", "):
            waiting[what] = asyncio.ensure_future(
                member.send("the send") if what == "send" else member.ask("the ask")
            )
        asking = waiting["ask"]
        await asyncio.sleep(0)  # they wait in line
        gate.set()
        await entered.wait()  # in its `on_stop`
        for _ in range(20):  # the loop turns the other member needs: no time passes
            if asking.done():
                break
            await asyncio.sleep(0)
        answered_during_its_on_stop = asking.done()
        leave.set()
        assert answered_during_its_on_stop
        assert await asking == "the ask"
        if "send" in waiting:
            await waiting["send"]
        assert system.accounting().balanced
