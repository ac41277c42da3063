"""A pool member's close hands the asks it had not begun to the pool, which routes them
again through the user's `hash_key`: one raising a `BaseException` that is not an
`Exception` is that ask's failure, as from `ask` (a tell's dead letter), not an escape
from the member's close part-way (the asks after it unrouted, its stop never answered)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from actorkit import Actor, ActorRef, ActorSystem
from actorkit.testing import ManualClock

from .invariants import assert_settled


async def a_member_holding(
    system: ActorSystem, held: type[Actor], hash_key: Any, entered: asyncio.Event
) -> ActorRef:
    """The first member of a consistent-hash pool of `held`, in the middle of a message."""
    pool = await system.spawn_pool(held, size=2, routing="consistent_hash", hash_key=hash_key)
    first = pool.members[0]
    first.tell("hold")
    await entered.wait()
    return first


class Abort(BaseException):
    """A user's own `BaseException`: a failure like an `Exception` (`_failure`)."""


@pytest.mark.parametrize("raised", [Abort, StopIteration])
async def test_a_hash_key_raising_a_base_exception_in_a_hand_over_fails_only_its_ask(
    clock: ManualClock, raised: type[BaseException]
) -> None:
    """Also a `StopIteration`, which a future refuses (a `TypeError` on Python 3.11): a
    `hash_key` is called, not awaited, so nothing turned it into the `RuntimeError` a
    coroutine's becomes; the ask fails with one caused by it."""
    entered, gate = asyncio.Event(), asyncio.Event()
    refusing: list[str] = []

    class Held(Actor):
        async def receive(self, message: Any) -> str:
            if message == "hold":
                entered.set()
                await gate.wait()
            return f"{self.name}:{message}"

    def hash_key(message: Any) -> Any:
        if message in refusing:
            raise raised(message)
        return message

    async with asyncio.timeout(5.0), ActorSystem(clock=clock) as system:
        first = await a_member_holding(system, Held, hash_key, entered)
        bad = asyncio.ensure_future(first.ask("bad", timeout=4.0))
        first.tell("told")
        good = asyncio.ensure_future(first.ask("good", timeout=4.0))
        await clock.settle()
        refusing.extend(["bad", "told"])
        stopping = asyncio.ensure_future(first.stop())
        await clock.settle()
        gate.set()
        await stopping  # answered: the close that hands the asks over went to its end
        failed = bad.exception()
        if raised is StopIteration:
            assert isinstance(failed, RuntimeError)
            failed = failed.__cause__
        assert type(failed) is raised
        assert (await good) == "1:good"
        assert system.dead_letters.count == 1  # the tell: nobody to tell of its failure
        await assert_settled(system)


async def test_a_cancelled_error_of_hash_key_in_a_cancelled_members_hand_over_fails_its_ask(
    clock: ManualClock,
) -> None:
    """A member whose task is cancelled (as the end of `asyncio.run` cancels every task)
    closes in that task, whose `cancelling()` is then set. A `CancelledError` that the
    synchronous `hash_key` raises there is still its own, never that cancellation (which
    lands only at an await): its ask fails, as for any failure of `hash_key`; the asks after
    it are still routed, and the member's stop still answers whoever waits for it."""
    entered = asyncio.Event()

    class Held(Actor):
        async def receive(self, message: Any) -> str:
            if message == "hold":
                entered.set()
                await asyncio.Event().wait()
            return f"{self.name}:{message}"

    def hash_key(message: Any) -> Any:
        if message == "bad" and refusing:
            raise asyncio.CancelledError
        return message

    refusing = False
    async with asyncio.timeout(5.0), ActorSystem(clock=clock) as system:
        first = await a_member_holding(system, Held, hash_key, entered)
        bad = asyncio.ensure_future(first.ask("bad", timeout=4.0))
        good = asyncio.ensure_future(first.ask("good", timeout=4.0))
        await clock.settle()
        refusing = True
        task = first._cell.task
        assert task is not None
        stopped = asyncio.ensure_future(first.stop())  # joins the close it waits for
        await clock.settle()
        task.cancel()
        await asyncio.wait((task,))
        await stopped
        error = bad.exception()
        assert isinstance(error, RuntimeError)
        assert isinstance(error.__cause__, asyncio.CancelledError)
        assert (await good) == "1:good"
        await assert_settled(system)
