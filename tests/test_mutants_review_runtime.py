"""Mutants of this session's runtime changes that survived the suite: the `least_loaded` fast
path's room test (taken once the pool's view of its members is built, which a first message
does), and the hint a refused call from another thread gives for `schedule_*`."""

from __future__ import annotations

import asyncio
import threading
from typing import Any

from actorkit import Actor, ActorSystem, MailboxFull
from actorkit.testing import ManualClock, pending_timers


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
        elif message == "tell the pool":
            try:
                self.pool[0].tell("probe")
            except MailboxFull as error:
                self.seen.append((self.name, error))
        else:
            self.seen.append((self.name, message))


async def test_the_fast_path_passes_over_a_member_whose_places_are_promised(
    clock: ManualClock,
) -> None:
    """The first member ties the second on load (both busy, one queued) and comes first, but
    its one free place is granted to a waiting sender: the tell goes to the second."""
    gates = {name: asyncio.Event() for name in ("0", "1")}
    seen: list[tuple[str, Any]] = []
    holder: list[Any] = []
    async with asyncio.timeout(5.0), ActorSystem(clock=clock) as system:
        pool = await system.spawn_pool(
            Member, gates, holder, seen, size=2, routing="least_loaded", mailbox_size=2
        )
        holder.append(pool)
        pool.tell("warm")  # builds the routing's view: later picks take the fast path
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
        assert [who for who, message in seen if isinstance(message, MailboxFull)] == []
        assert ("1", "probe") in seen, seen
        assert system.dead_letters.count == 0


async def test_a_schedule_from_another_thread_is_refused_with_the_call_to_make_instead() -> None:
    """`check_thread`'s defaults: the system's call, with its arguments left to the reader
    (`handle.cancel` passes neither)."""
    async with asyncio.timeout(5.0), ActorSystem("hint") as system:
        ref = await system.spawn(Actor)
        errors: list[BaseException] = []

        def schedule() -> None:
            try:
                system.schedule_once(1.0, ref, "x")
            except RuntimeError as error:
                errors.append(error)

        thread = threading.Thread(target=schedule)
        thread.start()
        await asyncio.to_thread(thread.join)
        [error] = errors
        assert "loop.call_soon_threadsafe(system.schedule_once, ...)" in str(error)
        assert pending_timers(system) == 0
