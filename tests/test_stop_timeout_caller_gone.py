"""`await ref.stop(timeout=t)` whose caller stops waiting before `t` (an `asyncio.timeout`
around it, a `TaskGroup` cancelling it): the stop it asked for is under way (docs/api.md §9),
and is still forced at `t`. Before, the force went with the caller: the stop waited for the
stuck handler for ever, and the actor held its name and its queue until the shutdown's own
timeout."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from actorkit import ActorRef, ActorStopped, ActorSystem, _stop_asked
from actorkit.testing import FORCED_STOP_GRACE

from .shutdown_support import BOUND, SLACK
from .test_stop_timeout import Log, Stuck

TIMEOUT = 0.2


async def caller_gone(how: str, stop: Any) -> None:
    """Await `stop` in a caller that stops waiting before its timeout."""
    if how == "timeout":
        with pytest.raises(TimeoutError):
            async with asyncio.timeout(TIMEOUT / 4):
                await stop
    else:
        task = asyncio.ensure_future(stop)
        await asyncio.sleep(0)  # it asked for the stop and waits
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task


async def stuck_with_an_ask_queued(
    system: ActorSystem, log: Log, within: float
) -> tuple[ActorRef, asyncio.Future[Any]]:
    """An actor stuck in a handler, and an ask of `within` seconds queued behind it."""
    ref = await system.spawn(Stuck, log, name="stuck", restart="temporary")
    ref.tell("first")
    await log.reaches(1)
    asked = asyncio.ensure_future(ref.ask("queued", timeout=within))
    await asyncio.sleep(0)  # queued behind the stuck handler
    return ref, asked


@pytest.mark.parametrize("how", ["timeout", "cancel"])
async def test_a_stop_whose_caller_left_is_still_forced_at_its_timeout(how: str) -> None:
    log = Log()
    loop = asyncio.get_running_loop()
    async with asyncio.timeout(BOUND), ActorSystem("bounded", metrics=False) as system:
        ref, asked = await stuck_with_an_ask_queued(system, log, BOUND)
        started = loop.time()
        await caller_gone(how, ref.stop(timeout=TIMEOUT))
        assert ref.is_alive  # not forced before its time
        with pytest.raises(ActorStopped):
            await asked  # forced at its time, so the queued ask fails
        assert loop.time() - started < TIMEOUT + FORCED_STOP_GRACE + SLACK
        await log.reaches(2)
        assert log == ["/stuck got first", "/stuck on_stop"]
        assert system.dead_letters.by_reason == {"stopping": 2}
        assert system.lookup("/stuck") is None
    assert not _stop_asked._forcing, "a force that ended is still held"  # noqa: SLF001


async def test_a_caller_that_leaves_late_leaves_the_force_at_the_stop_s_own_time() -> None:
    """The force left behind is due `t` after the stop began, not `t` after the caller left:
    a caller leaving at 0.9 t does not nearly double the stop's bound."""
    timeout, left = 2.0, 1.8
    log = Log()
    loop = asyncio.get_running_loop()
    async with asyncio.timeout(BOUND + timeout), ActorSystem("bounded", metrics=False) as system:
        ref, asked = await stuck_with_an_ask_queued(system, log, BOUND + timeout)
        started = loop.time()
        with pytest.raises(TimeoutError):
            async with asyncio.timeout(left):
                await ref.stop(timeout=timeout)
        with pytest.raises(ActorStopped):
            await asked
        # forced at `timeout`, its handler ending at once; a force counted from the caller's
        # leaving would be `left` later
        assert loop.time() - started < timeout + (left / 2)


async def test_a_stall_as_the_caller_leaves_does_not_move_the_force_past_the_stop_s_time(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The force left behind is armed in a task of its own, a loop turn after the caller
    left: what else runs in that turn (a collection, a preempted core, a busy loop's other
    callbacks) must not move it past `t`. Here a callback queued behind the caller's leaving
    makes the loop's clock jump most of `t` before the force is armed: a force armed for
    what was left of `t` as the caller left would come that much past `t`."""
    timeout, stall = 1.0, 0.9
    loop = asyncio.get_running_loop()
    real_time = loop.time
    jumped = [0.0]
    monkeypatch.setattr(loop, "time", lambda: real_time() + jumped[0])

    def stalls() -> None:
        jumped[0] += stall

    log = Log()
    async with asyncio.timeout(BOUND + timeout), ActorSystem("bounded", metrics=False) as system:
        ref, asked = await stuck_with_an_ask_queued(system, log, BOUND + timeout)
        started = loop.time()
        stopping = asyncio.ensure_future(ref.stop(timeout=timeout))
        await asyncio.sleep(0)  # it asked for the stop and waits
        stopping.cancel()  # the caller's wake-up is queued first, then the stall
        loop.call_soon(stalls)
        with pytest.raises(asyncio.CancelledError):
            await stopping
        assert ref.is_alive  # not forced before its time
        with pytest.raises(ActorStopped):
            await asked
        assert loop.time() - started < timeout + stall / 2  # at `t`, not a stall past it
