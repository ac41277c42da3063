"""API.md §2 (request-response) as an outside checker calls it: an ask raises the handler's
own exception class whatever its supervisor decides, and the supervisor still gets the
failure; `system.ask` answers and times out as `ref.ask` does; an ask never hangs past its
timeout, also at an actor waiting out its backoff or draining at shutdown, and the drain
answers the asks in the mailbox."""

from __future__ import annotations

import asyncio

import pytest

from actorkit import Actor, ActorSystem, AskTimeout, Directive, OneForOne
from actorkit.testing import ManualClock, snapshot

from .contract_asks_support import BACKOFF, Backing, Handler, Refused


def _decided(directive: Directive) -> type[Actor]:
    class Parent(Actor):
        supervisor_strategy = OneForOne(decider={Refused: directive})

        async def on_start(self) -> None:
            await self.spawn(Handler, name="c")

        async def receive(self, message: object) -> None:
            return None

    return Parent


@pytest.mark.parametrize("directive", ["restart", "resume", "stop", "escalate"])
async def test_an_ask_raises_the_handlers_own_exception_whatever_its_supervisor_decides(
    clock: ManualClock, directive: Directive
) -> None:
    async with ActorSystem(clock=clock) as system:
        await system.spawn(_decided(directive), name="p")
        child = system.lookup("/p/c")
        assert child is not None
        with pytest.raises(Refused, match="not today") as raised:
            await child.ask("refuse")
        assert type(raised.value) is Refused
        await clock.advance(0)
        if directive == "resume":
            assert (snapshot(child).failures, snapshot(child).restarts) == (1, 0)


async def test_the_failure_an_asker_gets_still_reaches_the_supervisor(clock: ManualClock) -> None:
    async with ActorSystem(clock=clock) as system:
        ref = await system.spawn(Handler)
        await ref.ask("count")
        with pytest.raises(Refused):
            await ref.ask("refuse")
        await clock.advance(0)
        seen = snapshot(ref)
        assert (seen.failures, seen.restarts) == (1, 1)
        assert await ref.ask("count") == 1  # a fresh instance answers


async def test_an_ask_by_path_returns_what_receive_returned(clock: ManualClock) -> None:
    async with ActorSystem(clock=clock) as system:
        await system.spawn(Handler, name="h")
        assert await system.ask("/h", "count", timeout=1.0) == 1


async def test_an_ask_by_path_times_out_with_ask_timeout_after_its_timeout(
    clock: ManualClock,
) -> None:
    gate = asyncio.Event()
    async with ActorSystem(clock=clock) as system:
        await system.spawn(Handler, gate, name="slow")
        asked = asyncio.ensure_future(system.ask("/slow", "hold", timeout=2.0))
        await clock.advance(1.999)
        assert not asked.done()
        await clock.advance(0.001)
        assert asked.done()
        with pytest.raises(AskTimeout) as timed_out:
            await asked
        assert isinstance(timed_out.value, TimeoutError)
        gate.set()


async def test_an_ask_at_an_actor_in_its_restart_backoff_never_hangs_past_its_timeout(
    clock: ManualClock,
) -> None:
    async with ActorSystem(clock=clock) as system:
        await system.spawn(Backing, name="p")
        child = system.lookup("/p/c")
        assert child is not None
        child.tell("fail")
        await clock.advance(0)
        short = asyncio.ensure_future(child.ask("count", timeout=1.0))
        kept = asyncio.ensure_future(child.ask("count", timeout=BACKOFF * 3))
        await clock.advance(1.0)
        assert short.done()
        with pytest.raises(AskTimeout):
            await short
        assert not kept.done()  # waits in the mailbox through the backoff
        await clock.advance(BACKOFF - 1.0)
        assert await kept == 2  # the asker who gave up left its message queued: handled first


async def test_asks_in_the_mailbox_at_shutdown_are_answered_by_its_drain(
    clock: ManualClock,
) -> None:
    gate = asyncio.Event()
    system = await ActorSystem(clock=clock).start()
    ref = await system.spawn(Handler, gate)
    ref.tell("hold")
    queued = [asyncio.ensure_future(ref.ask("count", timeout=60.0)) for _ in range(3)]
    await clock.advance(0)
    async with asyncio.timeout(5):
        shutting = asyncio.ensure_future(system.shutdown(timeout=60.0))
        await clock.advance(0)
        gate.set()
        await shutting
    assert [await ask for ask in queued] == [2, 3, 4]


async def test_an_ask_queued_at_a_draining_actor_never_hangs_past_its_timeout(
    clock: ManualClock,
) -> None:
    gate = asyncio.Event()
    system = await ActorSystem(clock=clock).start()
    ref = await system.spawn(Handler, gate)
    ref.tell("hold")
    asked = asyncio.ensure_future(ref.ask("count", timeout=1.0))
    await clock.advance(0)
    async with asyncio.timeout(5):
        shutting = asyncio.ensure_future(system.shutdown(timeout=60.0))
        await clock.advance(0.999)
        assert not asked.done()
        await clock.advance(0.001)
        assert asked.done()
        with pytest.raises(AskTimeout):
            await asked
        gate.set()
        await shutting
