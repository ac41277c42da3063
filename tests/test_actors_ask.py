"""`ask`: its reply, its timeout, a stopped or full target, and a cancelled asker (API 9)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from actorkit import Actor, ActorSystem, AskTimeout, NotDelivered
from actorkit._envelope import TAKEN_BACK, TICK
from actorkit.testing import ManualClock

from .actors_support import Counter, Gate


async def test_ask_returns_receive_value_and_reraises_same_type() -> None:
    class Fussy(Actor):
        async def receive(self, message: Any) -> Any:
            if message == "bad":
                raise KeyError("nope")
            return message * 2

    async with ActorSystem() as system:
        ref = await system.spawn(Fussy)
        assert await ref.ask(21) == 42
        with pytest.raises(KeyError, match="nope"):
            await ref.ask("bad")
        assert await ref.ask(1) == 2  # restarted and serving


async def test_ask_timeout_is_a_timeout_error_and_late_reply_is_discarded(
    clock: ManualClock,
) -> None:
    gate = asyncio.Event()
    async with ActorSystem(clock=clock) as system:
        ref = await system.spawn(Gate, gate)
        slow = asyncio.ensure_future(ref.ask("wait", timeout=1.0))
        await clock.advance(0.5)
        assert not slow.done()
        await clock.advance(0.5)
        with pytest.raises(AskTimeout) as info:
            await slow
        assert isinstance(info.value, TimeoutError)
        gate.set()  # the late reply ("wait") must not reach the next ask
        assert await ref.ask("next") == "next"


async def test_ask_to_stopped_actor_fails_at_once() -> None:
    async with ActorSystem() as system:
        ref = await system.spawn(Counter)
        await ref.stop()
        with pytest.raises(NotDelivered, match="the ask was not delivered"):
            await ref.ask("get")  # never handled, so a retry is safe: the public subclass says so
        with pytest.raises(NotDelivered, match="no actor at '/missing'"):
            await system.ask("/missing", "get")


async def test_asks_queued_when_actor_stops_fail_with_actor_stopped() -> None:
    gate, entered = asyncio.Event(), asyncio.Event()
    async with ActorSystem() as system:
        ref = await system.spawn(Gate, gate, entered)
        ref.tell("wait")
        await entered.wait()
        queued = [asyncio.ensure_future(ref.ask(i)) for i in range(3)]
        await asyncio.sleep(0)  # one turn: the asks' tasks put them in the mailbox
        stopping = asyncio.ensure_future(ref.stop())
        await asyncio.sleep(0)  # one turn: the stop begins, behind the held message
        gate.set()
        await stopping
        for ask in queued:
            with pytest.raises(NotDelivered):
                await ask
        assert system.dead_letters.by_reason.get("stopping") == 3


async def test_ask_on_full_mailbox_waits_for_room_within_its_timeout(clock: ManualClock) -> None:
    gate, entered = asyncio.Event(), asyncio.Event()
    async with ActorSystem(clock=clock) as system:
        ref = await system.spawn(Gate, gate, entered, mailbox_size=1)
        ref.tell("wait")
        await entered.wait()
        ref.tell(1)
        waiting = asyncio.ensure_future(ref.ask(2, timeout=1.0))
        expired = asyncio.ensure_future(ref.ask(3, timeout=0.5))
        await clock.advance(0.5)
        with pytest.raises(AskTimeout):
            await expired
        gate.set()
        assert await waiting == 2
        assert await ref.ask("seen") == ["wait", 1, 2]  # the expired ask was never delivered


async def test_ten_thousand_concurrent_asks_complete() -> None:
    class Echo(Actor):
        async def receive(self, message: Any) -> Any:
            return message

    async with ActorSystem() as system:
        refs = [await system.spawn(Echo, mailbox_size=None) for _ in range(10)]
        results = await asyncio.gather(*(refs[i % 10].ask(i) for i in range(10_000)))
        assert results == list(range(10_000))


async def test_cancelling_an_asker_leaves_the_target_serving() -> None:
    gate, entered = asyncio.Event(), asyncio.Event()
    async with ActorSystem() as system:
        ref = await system.spawn(Gate, gate, entered)
        asker = asyncio.ensure_future(ref.ask("wait"))
        await entered.wait()
        asker.cancel()
        with pytest.raises(asyncio.CancelledError):
            await asker
        gate.set()
        assert await ref.ask("after") == "after"


@pytest.mark.parametrize("marker", [TAKEN_BACK, TICK])
async def test_no_ask_timeout_is_mistaken_for_a_task_or_a_timer_tick(marker: float) -> None:
    """The envelope's `timeout` also marks a task's (taken back, never a dead letter) and an
    actor timer's tick (withdrawn): no ask can be made with either."""
    async with ActorSystem() as system:
        ref = await system.spawn(Counter)
        with pytest.raises(ValueError, match="timeout"):
            await ref.ask("get", timeout=marker)
