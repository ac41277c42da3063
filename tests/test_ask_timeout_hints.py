"""What an `AskTimeout` says of its target is what the target was doing when the deadline
came: failed and waiting for its supervisor, restarting, busy with this ask or another
message, or awaiting an ask of its own, and then what that one's target was doing. It never
blames a handler that was not running, and where it cannot tell, it claims nothing."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from actorkit import (
    Actor,
    ActorRef,
    ActorSystem,
    AskTimeout,
    Backoff,
    ChildSpec,
    OneForOne,
    Supervisor,
)
from actorkit.testing import ManualClock


class Gated(Actor):
    """ "crash" fails it; "quit" stops it (a permanent actor's stop is its supervisor's to
    decide, as a failure is); "slow" waits for the gate; anything else is answered at once."""

    def __init__(self, gate: asyncio.Event) -> None:
        self.gate = gate

    async def receive(self, message: Any) -> Any:
        if message == "crash":
            raise RuntimeError("crashed")
        if message == "quit":
            self.stop()
        if message == "slow":
            await self.gate.wait()
        return message


class BusyParent(Actor):
    """Supervises a `Gated` child, and cannot decide on its failure while "hold" holds it."""

    def __init__(self, gate: asyncio.Event, holding: asyncio.Event) -> None:
        self.gate = gate
        self.holding = holding

    async def on_start(self) -> None:
        await self.spawn(Gated, self.gate, name="child")

    async def receive(self, message: Any) -> Any:
        self.holding.set()
        await self.gate.wait()


class Relay(Actor):
    """Asks `to` what it is asked, within a timeout longer than its asker's."""

    def __init__(self, to: str) -> None:
        self.to = to

    async def receive(self, message: Any) -> Any:
        return await self.system.ask(self.to, message, timeout=10.0)


async def timed_out(ref: ActorRef, clock: ManualClock, message: Any, timeout: float) -> str:
    asked = asyncio.ensure_future(ref.ask(message, timeout=timeout))
    await clock.advance(timeout)
    with pytest.raises(AskTimeout) as raised:
        await asked
    return str(raised.value)


@pytest.mark.parametrize(("ending", "ended"), [("crash", "failed"), ("quit", "stopped itself")])
async def test_a_target_waiting_for_its_supervisor_is_said_to_be(
    clock: ManualClock, ending: str, ended: str
) -> None:
    gate, holding = asyncio.Event(), asyncio.Event()
    async with asyncio.timeout(10), ActorSystem(clock=clock) as system:
        parent = await system.spawn(BusyParent, gate, holding, name="p")
        parent.tell("hold")
        await holding.wait()
        child = system.lookup("/p/child")
        assert child is not None
        child.tell(ending)  # its parent, in hand, decides nothing until the gate opens
        try:
            text = await timed_out(child, clock, "x", 1.0)
        finally:
            gate.set()
        assert text == (
            f"no reply from /p/child within 1.0s; /p/child had {ended} and was waiting for its "
            "supervisor's decision, handling no messages until then"
        )
        assert await child.ask("x") == "x"  # restarted, it answers


async def test_a_target_in_a_restart_backoff_is_said_to_be_restarting(clock: ManualClock) -> None:
    gate = asyncio.Event()
    strategy = OneForOne(backoff=Backoff(min=5.0, max=5.0, jitter=0.0))
    async with asyncio.timeout(10), ActorSystem(clock=clock) as system:
        spec = ChildSpec(Gated, gate, name="child")
        await system.spawn(Supervisor, [spec], strategy=strategy, name="sup")
        child = system.lookup("/sup/child")
        assert child is not None
        child.tell("crash")
        text = await timed_out(child, clock, "x", 1.0)
        assert text == (
            "no reply from /sup/child within 1.0s; /sup/child was restarting, handling no "
            "messages until its new instance has started"
        )
        await clock.advance(5.0)
        assert await child.ask("x") == "x"


async def test_a_target_slow_on_this_ask_or_another_message_is_said_to_be(
    clock: ManualClock,
) -> None:
    gate = asyncio.Event()
    async with asyncio.timeout(10), ActorSystem(clock=clock) as system:
        ref = await system.spawn(Gated, gate, name="g")
        try:
            slow = await timed_out(ref, clock, "slow", 1.0)
            behind = await timed_out(ref, clock, "x", 1.0)
        finally:
            gate.set()
        assert slow == (
            "no reply from /g within 1.0s; /g was still handling it: raise the ask's timeout "
            "or make its handler faster"
        )
        assert behind == (
            "no reply from /g within 1.0s; /g was handling another message: raise the ask's "
            "timeout or make its handlers faster"
        )
        assert await ref.ask("x") == "x"


class SlowToStop(Actor):
    def __init__(self, gate: asyncio.Event, stopping: asyncio.Event) -> None:
        self.gate = gate
        self.stopping = stopping

    async def on_stop(self) -> None:
        self.stopping.set()
        await self.gate.wait()

    async def receive(self, message: Any) -> Any:
        return message


async def test_a_target_in_its_on_stop_is_said_to_be_stopping(clock: ManualClock) -> None:
    gate, stopping = asyncio.Event(), asyncio.Event()
    async with asyncio.timeout(10), ActorSystem(clock=clock) as system:
        ref = await system.spawn(SlowToStop, gate, stopping, name="s")
        stopped = asyncio.ensure_future(ref.stop())
        await stopping.wait()
        try:
            text = await timed_out(ref, clock, "x", 1.0)
        finally:
            gate.set()
        assert text == (
            "no reply from /s within 1.0s; /s was stopping (its on_stop and children's "
            "stops), handling no more messages: an ask still queued fails when it closes"
        )
        await stopped


async def test_a_chain_of_asks_names_each_link_and_blames_the_last(clock: ManualClock) -> None:
    gate = asyncio.Event()
    async with asyncio.timeout(10), ActorSystem(clock=clock) as system:
        a = await system.spawn(Relay, "/b", name="a")
        await system.spawn(Relay, "/c", name="b")
        await system.spawn(Gated, gate, name="c")
        try:
            text = await timed_out(a, clock, "slow", 1.0)
        finally:
            gate.set()
        assert text == (
            "no reply from /a within 1.0s; /a was still handling it, awaiting its own ask of "
            "/b; /b was still handling it, awaiting its own ask of /c; /c was still handling "
            "it: raise the ask's timeout or make its handler faster"
        )
        assert await a.ask("x") == "x"


async def test_a_cycle_of_asks_is_said_to_be_one(clock: ManualClock) -> None:
    """A's handler asks B, whose handler asks A back: B's ask of A waits behind A's own
    handler, which waits for B. No handler there is slow, and none is blamed."""
    async with asyncio.timeout(10), ActorSystem(clock=clock) as system:
        await system.spawn(Relay, "/b", name="a", restart="temporary")
        await system.spawn(Relay, "/a", name="b", restart="temporary")
        text = await timed_out(system.lookup("/b"), clock, "go", 1.0)  # type: ignore[arg-type]
        assert text == (
            "no reply from /b within 1.0s; /b was still handling it, awaiting its own ask of "
            "/a; /a was still handling it, awaiting its own ask of /b: a cycle of asks, each "
            "waiting for the next, which ends only when one of them times out"
        )
        await clock.advance(10.0)  # the cycle's own asks time out, and fail both
