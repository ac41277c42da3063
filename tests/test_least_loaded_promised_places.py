"""A `least_loaded` member whose free places are promised to senders waiting for room
(docs/api.md §9, Router): it has no room for anyone else, though its queue is as short as a
sibling's. Its queue alone made it the pick, so for the turn between the grant and the
waiting sender's put, a `tell` to the pool raised `MailboxFull` while a sibling had room."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from actorkit import Actor, ActorSystem, Backoff, MailboxFull, OneForOne
from actorkit.testing import ManualClock


def seen_warm(path: str) -> list[str]:
    return ["warm"] if path == "fast path" else []


class Member(Actor):
    """Holds "hold" until its gate opens; on "tell the pool" tells the pool at once, in the
    turn its mailbox granted a place to a waiting sender; notes what it handles."""

    def __init__(
        self, gates: dict[str, asyncio.Event], pool: list[Any], seen: list[tuple[str, Any]]
    ) -> None:
        self.gates, self.pool, self.seen = gates, pool, seen

    async def receive(self, message: Any) -> None:
        if message == "hold":
            await self.gates[self.name].wait()
        elif message == "crash":
            raise RuntimeError("crash")
        elif message == "tell the pool":
            try:
                self.pool[0].tell("probe")
            except MailboxFull as error:
                self.seen.append((self.name, error))
        else:
            self.seen.append((self.name, message))


@pytest.mark.parametrize("path", ["first pick", "fast path"])
async def test_a_tell_goes_to_a_member_with_room_not_to_one_whose_places_are_promised(
    clock: ManualClock, path: str
) -> None:
    """The first member ties the second on load (both busy, one queued) and comes first, but
    its one free place is granted to a waiting sender: the tell goes to the second. The
    routing's view of its members is built by the pool's first message, which picks on the
    slow path; once built, picks take the fast path."""
    gates = {name: asyncio.Event() for name in ("0", "1")}
    seen: list[tuple[str, Any]] = []
    holder: list[Any] = []
    async with asyncio.timeout(5.0), ActorSystem(clock=clock) as system:
        pool = await system.spawn_pool(
            Member, gates, holder, seen, size=2, routing="least_loaded", mailbox_size=2
        )
        holder.append(pool)
        if path == "fast path":
            pool.tell("warm")
            await clock.settle()
        first, second = pool.members
        first.tell("hold")
        second.tell("hold")
        await clock.settle()
        first.tell("tell the pool")
        first.tell("queued")  # full: two queued
        second.tell("queued")  # one queued: room for one more
        late = asyncio.ensure_future(first.send("late"))  # waits in line at the first
        await clock.settle()
        assert not late.done()
        gates["0"].set()  # the first takes "tell the pool", granting its place to "late"
        gates["1"].set()
        await late
        await clock.settle()
        assert ("1", "probe") in seen, seen
        assert [who for who, message in seen if isinstance(message, MailboxFull)] == []
        handled = sorted(message for _, message in seen if isinstance(message, str))
        assert handled == sorted(["late", "probe", "queued", "queued", *seen_warm(path)])
        assert system.dead_letters.count == 0


async def test_a_restarting_member_with_room_takes_a_tell_before_a_running_one_without(
    clock: ManualClock,
) -> None:
    """It waits for the restart in that member's mailbox rather than be refused."""
    gates = {name: asyncio.Event() for name in ("0", "1")}
    seen: list[tuple[str, Any]] = []
    strategy = OneForOne(backoff=Backoff(min=30.0, max=60.0, jitter=0))
    async with asyncio.timeout(5.0), ActorSystem(clock=clock) as system:
        pool = await system.spawn_pool(
            Member, gates, [], seen, size=2, routing="least_loaded", mailbox_size=1,
            supervisor=strategy,
        )  # fmt: skip
        first, second = pool.members
        first.tell("hold")
        second.tell("crash")
        await clock.settle()
        first.tell("queued")  # running, full
        assert pool.members[1].path == second.path  # waiting out its backoff, room for one
        pool.tell("routed")
        assert seen == []
        gates["0"].set()
        await clock.advance(60.0)
        await clock.settle()
        assert sorted(seen) == [("0", "queued"), ("1", "routed")]
        assert system.dead_letters.count == 0
