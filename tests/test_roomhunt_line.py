"""Backpressure as a demanding user probes it (README "Mailboxes are bounded", api.md §9): the
line of senders waiting for room, mixed `send`s and asks, given up at every point, a `tell`
against the line, and a handler that waits on its own full mailbox."""

from __future__ import annotations

import asyncio
import random
from typing import Any

import pytest

from actorkit import Actor, ActorSystem, AskTimeout, MailboxFull
from actorkit._ref import local_cell
from actorkit.testing import snapshot

from .invariants import assert_settled
from .room_support import room_problems, settled_room_problems


class _Gated(Actor):
    """Holds "block" until its gate opens; runs a callable message in the handler's own
    step, the turn its pop granted the head of the line a place."""

    def __init__(self, gate: asyncio.Event, log: list[Any]) -> None:
        self.gate, self.log = gate, log

    async def receive(self, message: Any) -> Any:
        if message == "block":
            await self.gate.wait()
        elif callable(message):
            message()
            return None
        self.log.append(message)
        return message


async def _line_up(
    ref: Any, waiters: int, ask_every: int, shift: int = 0
) -> list[asyncio.Task[Any]]:
    """`waiters` senders in line, each a task started only once the one before waits: an
    ask every `ask_every`, from `shift`, the rest sends."""
    tasks: list[asyncio.Task[Any]] = []
    mailbox = local_cell(ref).mailbox  # type: ignore[union-attr]
    for i in range(waiters):
        if (i + shift) % ask_every == 0:
            tasks.append(asyncio.create_task(ref.ask(i, timeout=30.0)))
        else:
            tasks.append(asyncio.create_task(ref.send(i)))
        await asyncio.sleep(0)
        assert mailbox.blocked is not None and len(mailbox.blocked) == len(tasks) - sum(
            task.done() for task in tasks
        )
    return tasks


@pytest.mark.parametrize("head", ["ask", "send"])
@pytest.mark.parametrize("seed", [3, 17, 2024])
async def test_the_line_is_handled_in_arrival_order_whoever_gives_up_when(
    seed: int, head: str
) -> None:
    """Twelve sends and asks wait at a mailbox of one; some are cancelled while they wait,
    some in the very turn they are granted a place (from the handler the pop that granted
    it runs), some once they put. The ones that got in are handled in the order they
    lined up, each once; the cancelled waiters deliver nothing; the line leaves nothing."""
    rng = random.Random(seed)
    gate, log = asyncio.Event(), list[Any]()
    async with asyncio.timeout(10), ActorSystem(metrics=False) as system:
        ref = await system.spawn(_Gated, gate, log, mailbox_size=1)
        mailbox = local_cell(ref).mailbox  # type: ignore[union-attr]
        ref.tell("block")
        await asyncio.sleep(0)
        tasks: list[asyncio.Task[Any]] = []

        def cancel_the_granted_head() -> None:
            granted = [t for t in tasks if not t.done()]
            assert mailbox.reserved == 1  # this pop granted the head its place, this turn
            granted[0].cancel()

        ref.tell(cancel_the_granted_head)
        shift = 0 if head == "ask" else 1
        tasks = await _line_up(ref, 12, ask_every=3, shift=shift)
        waiting = [i for i in range(1, 12) if rng.random() < 0.3]
        for i in waiting:
            tasks[i].cancel()
        gate.set()
        late = rng.sample(range(12), 2)
        for i in late:
            for _ in range(rng.randrange(6)):
                await asyncio.sleep(0)
            tasks[i].cancel()
        results = await asyncio.gather(*tasks, return_exceptions=True)
        assert isinstance(results[0], asyncio.CancelledError), results[0]
        assert await ref.ask("end", timeout=5.0) == "end"
        delivered = [
            i
            for i, result in enumerate(results)
            if not isinstance(result, BaseException)
            or (i in late and (i + shift) % 3 == 0 and i in log)  # cancelled once queued
        ]
        assert log == ["block", *delivered, "end"], (waiting, late, results)
        assert not settled_room_problems(mailbox)
        await assert_settled(system)


async def test_a_tell_is_refused_while_anyone_waits_and_taken_once_the_last_got_in() -> None:
    """A `tell` may not pass the line, even with a place free of the capacity's count, and
    is taken as soon as the last waiter has put its message and a place is free."""
    gate, log = asyncio.Event(), list[Any]()
    async with asyncio.timeout(10), ActorSystem(metrics=False) as system:
        ref = await system.spawn(_Gated, gate, log, mailbox_size=2)
        mailbox = local_cell(ref).mailbox  # type: ignore[union-attr]
        ref.tell("block")
        await asyncio.sleep(0)
        ref.tell("q1")
        ref.tell("q2")
        tasks = await _line_up(ref, 3, ask_every=2)
        refused = 0
        gate.set()
        while not all(task.done() for task in tasks):
            try:
                ref.tell("told")
            except MailboxFull:
                refused += 1
                assert not room_problems(mailbox)
                await asyncio.sleep(0)
                continue
            # taken: nobody waits, and the queue had a place free of every grant
            assert not mailbox.blocked
            break
        await asyncio.gather(*tasks)
        assert refused > 0
        assert await ref.ask("end", timeout=5.0) == "end"
        assert log.index("told") > log.index(1)  # the last in line got in first
        assert [m for m in log if m != "told"] == ["block", "q1", "q2", 0, 1, 2, "end"]
        await assert_settled(system)


class _OwnLine(Actor):
    """A handler waiting on its own full mailbox three ways."""

    def __init__(self, gate: asyncio.Event) -> None:
        self.gate = gate

    async def receive(self, message: Any) -> Any:
        if message in ("send", "tell", "ask"):
            self.ref.tell("filler")  # its one place taken: full now
        if message == "send":
            await self.ref.send("mine")
        elif message == "tell":
            self.ref.tell("mine")
        elif message == "ask":
            return await self.ref.ask("mine", timeout=0.2)
        elif message == "block":
            await self.gate.wait()
        return message


@pytest.mark.parametrize("way", ["send", "tell", "ask"])
async def test_a_handler_waiting_on_its_own_full_mailbox_hears_so_it_does_not_hang(
    way: str,
) -> None:
    """`send` and `tell` raise `MailboxFull` at once; an ask waits within its timeout
    (`AskTimeout`, its message a dead letter `expired`, never entered): none hangs, and
    the actor's accounting balances after."""
    gate = asyncio.Event()
    async with asyncio.timeout(10), ActorSystem(metrics=False) as system:
        ref = await system.spawn(_OwnLine, gate, mailbox_size=1)
        ref.tell("block")
        await asyncio.sleep(0)
        asking = asyncio.ensure_future(ref.ask(way, timeout=5.0))
        await asyncio.sleep(0)
        gate.set()
        expected = AskTimeout if way == "ask" else MailboxFull
        with pytest.raises(expected):
            await asking
        assert await ref.ask("end", timeout=5.0) == "end"
        fates = [(d.message, d.reason) for d in system.dead_letters.recent]
        assert fates == ([("mine", "expired")] if way == "ask" else [])
        accounting = snapshot(ref).accounting
        assert (accounting.accepted, accounting.processed, accounting.crashed) == (4, 3, 1)
        await assert_settled(system)


@pytest.mark.parametrize(("size", "pool_s_own"), [(1, 10_000), (None, None), (20_000, 20_000)])
async def test_a_pool_s_mailbox_size_bounds_each_member_and_its_own_as_documented(
    size: int | None, pool_s_own: int | None
) -> None:
    """api.md §4: `mailbox_size` applies to each member; the pool's own mailbox takes as
    much as one member's, the default bound at least, and has none when the members' has
    none."""
    gate = asyncio.Event()
    async with asyncio.timeout(10), ActorSystem(metrics=False) as system:
        pool = await system.spawn_pool(_Gated, gate, [], size=3, mailbox_size=size, name="p")
        members = [system.lookup(f"/p/{i}") for i in range(3)]
        assert [snapshot(m).capacity for m in members if m is not None] == [size] * 3
        assert snapshot(pool).capacity == pool_s_own
        gate.set()


async def test_a_tell_refused_for_the_line_says_so_and_a_count_of_one_is_singular() -> None:
    gate, log = asyncio.Event(), list[Any]()
    async with asyncio.timeout(10), ActorSystem(metrics=False) as system:
        ref = await system.spawn(_Gated, gate, log, mailbox_size=1)
        ref.tell("block")
        await asyncio.sleep(0)  # handling "block": the mailbox's one place is free
        ref.tell("q1")
        with pytest.raises(MailboxFull, match=r"is full \(1 message\); use"):
            ref.tell("full")
        tasks = await _line_up(ref, 1, ask_every=2)
        gate.set()
        await asyncio.sleep(0)  # "block" and "q1" handled: the place is granted to the line
        assert not tasks[0].done()  # its sender has yet to put
        with pytest.raises(MailboxFull, match=r"has senders waiting for room \(1 message\)"):
            ref.tell("passing the line")
        await asyncio.gather(*tasks)
