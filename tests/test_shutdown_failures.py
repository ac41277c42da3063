"""Failures during shutdown are counted, and nothing is restarted to drain (API 3, 9)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from actorkit import Actor, ActorStopped, ActorSystem, Backoff, OneForOne
from actorkit.testing import ManualClock, snapshot

from .shutdown_support import BOUND


class FailsWhileDraining(Actor):
    def __init__(self, release: asyncio.Event) -> None:
        self.release = release

    async def receive(self, message: Any) -> Any:
        if message == "hold":
            await self.release.wait()
        if message == "crash":
            raise RuntimeError("failed while draining")
        return message


class ReleasesOnStop(Actor):
    def __init__(self, release: asyncio.Event) -> None:
        self.release = release

    async def receive(self, message: Any) -> None:
        pass

    async def on_stop(self) -> None:
        self.release.set()


async def test_a_failure_while_shutting_down_is_counted_like_any_other() -> None:
    release = asyncio.Event()
    async with asyncio.timeout(BOUND):
        system = ActorSystem()
        await system.start()
        ref = await system.spawn(FailsWhileDraining, release)
        await system.spawn(ReleasesOnStop, release)  # stopped first, at shutdown
        ref.tell("hold")
        ref.tell("crash")
        late = asyncio.ensure_future(ref.ask("after the failure"))
        await system.shutdown()
        with pytest.raises(ActorStopped):
            await late  # the failure stopped it: what was queued behind is not handled
        stats = system.metrics.stats_for(FailsWhileDraining)
        assert stats is not None and stats.failures == {"RuntimeError": 1}


class CountsStarts(Actor):
    def __init__(self, starts: list[str]) -> None:
        self.starts = starts

    async def on_start(self) -> None:
        self.starts.append("start")

    async def receive(self, message: Any) -> Any:
        if message == "crash":
            raise RuntimeError("crash on purpose")
        return message


async def test_an_actor_waiting_out_its_backoff_at_shutdown_is_not_restarted_to_drain(
    clock: ManualClock,
) -> None:
    """OTP does not restart during shutdown: what is queued for an actor whose restart is
    still waiting out its backoff is not handled, but dead-lettered with a reason of its own
    (not `shutdown`, which a forced stop leaves), and its asks fail."""
    starts: list[str] = []
    backoff = OneForOne(backoff=Backoff(min=1.0, max=1.0, jitter=0))
    async with asyncio.timeout(BOUND):
        async with ActorSystem(clock=clock, supervisor=backoff) as system:
            ref = await system.spawn(CountsStarts, starts)
            ref.tell("crash")
            await clock.settle()
            assert snapshot(ref).state == "restarting"
            ref.tell("queued")
            asked = asyncio.ensure_future(ref.ask("asked"))
            await clock.settle()
        with pytest.raises(ActorStopped):
            await asked
    assert starts == ["start"]
    assert system.dead_letters.by_reason == {"not_restarted": 2}
    assert system.accounting().balanced


class HoldsWhileItsChildBacksOff(Actor):
    """Supervises one `CountsStarts` with a restart backoff; each message is a pair of
    events: it sets the first, then waits for the second."""

    supervisor_strategy = OneForOne(backoff=Backoff(min=1.0, max=1.0, jitter=0))

    def __init__(self, starts: list[str]) -> None:
        self.starts = starts

    async def on_start(self) -> None:
        await self.spawn(CountsStarts, self.starts, name="child")

    async def receive(self, message: tuple[asyncio.Event, asyncio.Event]) -> None:
        entered, gate = message
        entered.set()
        await gate.wait()


async def test_a_backoff_ending_while_its_supervisor_drains_restarts_nothing(
    clock: ManualClock,
) -> None:
    """The supervisor is draining at shutdown when its child's backoff ends: a stopping
    supervisor restarts nothing, as for a failure then, so the child stops as it is."""
    starts: list[str] = []
    first, second = (asyncio.Event(), asyncio.Event()), (asyncio.Event(), asyncio.Event())
    async with asyncio.timeout(BOUND):
        system = await ActorSystem(clock=clock).start()
        parent = await system.spawn(HoldsWhileItsChildBacksOff, starts, name="p")
        child = system.lookup("/p/child")
        assert child is not None
        child.tell("crash")
        await clock.settle()
        child.tell("queued")
        parent.tell(first)
        parent.tell(second)  # handled while the parent drains
        await first[0].wait()
        shutting = asyncio.ensure_future(system.shutdown())
        await clock.settle()  # the shutdown's stop waits behind the first message
        first[1].set()
        await second[0].wait()
        await clock.advance(1.0)  # the backoff ends
        second[1].set()
        await shutting
    assert starts == ["start"]
    assert system.dead_letters.by_reason == {"not_restarted": 1}


class Grandchild(Actor):
    """Each message is a pair of events: it sets the first, waits for the second, then fails."""

    async def receive(self, message: tuple[asyncio.Event, asyncio.Event]) -> None:
        entered, gate = message
        entered.set()
        await gate.wait()
        raise KeyError("the grandchild failed")


class Middle(CountsStarts):
    """A supervisor whose child's failure ends in its own failure: it escalates the failure,
    or gives up (no restart allowed)."""

    def __init__(self, starts: list[str], strategy: OneForOne) -> None:
        super().__init__(starts)
        self.supervisor_strategy = strategy

    async def on_start(self) -> None:
        await super().on_start()
        await self.spawn(Grandchild, name="grandchild")


class Top(HoldsWhileItsChildBacksOff):
    """Supervises one `Middle`, which it would restart (the default strategy)."""

    supervisor_strategy = OneForOne()

    def __init__(self, starts: list[str], middle: OneForOne) -> None:
        self.starts, self.middle = starts, middle

    async def on_start(self) -> None:
        await self.spawn(Middle, self.starts, self.middle, name="middle")


@pytest.mark.parametrize(
    "middle",
    [OneForOne(decider={KeyError: "escalate"}), OneForOne(max_restarts=0)],
    ids=["escalate", "give_up"],
)
async def test_a_grandchild_failure_escalated_to_a_draining_supervisor_restarts_nothing(
    clock: ManualClock, middle: OneForOne, caplog: pytest.LogCaptureFixture
) -> None:
    """The top supervisor drains at shutdown while its child still runs; that child fails
    in turn (it escalates a grandchild's failure, or gives up on it): a supervisor that is
    stopping restarts nothing, so it stops, and the shutdown finishes on its own."""
    starts: list[str] = []
    held, failing = (asyncio.Event(), asyncio.Event()), (asyncio.Event(), asyncio.Event())
    async with asyncio.timeout(BOUND):
        system = await ActorSystem(clock=clock).start()
        top = await system.spawn(Top, starts, middle, name="top")
        grandchild = system.lookup("/top/middle/grandchild")
        assert grandchild is not None
        top.tell(held)
        grandchild.tell(failing)
        await held[0].wait()
        await failing[0].wait()
        shutting = asyncio.ensure_future(system.shutdown())
        await clock.settle()  # the top is draining: its stop waits behind its message
        assert not shutting.done()
        failing[1].set()
        await clock.settle()  # the failure reaches the top, which handles no signal yet
        held[1].set()
        await shutting
    assert starts == ["start"]  # the middle was never restarted
    reports = {
        getattr(r, "actor_path", None): getattr(r, "directive", None) for r in caplog.records
    }
    assert reports["/top/middle"] == "stop (its supervisor is stopping)"  # not "restart"
    assert not any("exceeded" in r.getMessage() for r in caplog.records)  # no forced stop
    assert clock.now() == 0.0
    assert system.accounting().balanced
