"""A system that shut down leaves nothing on its clock: no timer armed for a message nobody
will take, no ask deadline bucket, and no claim on a `ManualClock` that a test hands on to
the next system."""

from __future__ import annotations

import asyncio

import pytest

from actorkit import Actor, ActorSystem, PersistenceError
from actorkit.persistence import MemoryStore
from actorkit.testing import ManualClock, Probe

from .test_mutants_sys import HangingTransport

SAFETY = 10.0


class Echo(Actor):
    async def receive(self, message: object) -> object:
        return message


async def test_a_timer_still_due_at_shutdown_ends_with_it() -> None:
    clock = ManualClock()
    async with asyncio.timeout(SAFETY):
        async with ActorSystem("timers", clock=clock) as system:
            ref = await system.spawn(Echo)
            handle = system.schedule_once(60.0, ref, "too late")
            assert clock.pending == 1
        assert not handle.active
        assert clock.pending == 0


async def test_an_answered_asks_deadline_bucket_ends_with_the_system() -> None:
    """An answered ask leaves its deadline in a bucket to be swept later (cheaper than
    taking it out per ask): the shutdown takes the bucket off the clock."""
    clock = ManualClock()
    async with asyncio.timeout(SAFETY):
        async with ActorSystem("asks", clock=clock) as system:
            ref = await system.spawn(Echo)
            assert await ref.ask("hi", timeout=60.0) == "hi"
            assert clock.pending >= 1
        assert clock.pending == 0


async def test_a_shut_down_system_no_longer_holds_the_manual_clock() -> None:
    clock = ManualClock()
    async with asyncio.timeout(SAFETY):
        async with ActorSystem("first", clock=clock):
            assert len(clock._idle) == 1  # noqa: SLF001 (what `settle` consults)
        assert clock._idle == []  # noqa: SLF001


class UnopenableStore(MemoryStore):
    async def open(self) -> None:
        raise OSError("the store is not there")


class RefusedTransport(HangingTransport):
    async def start(self, host: object) -> None:
        raise ConnectionRefusedError("no broker")


@pytest.mark.parametrize(
    ("given", "error"),
    [({"store": UnopenableStore}, PersistenceError), ({"transport": RefusedTransport}, OSError)],
    ids=["store", "transport"],
)
async def test_a_start_that_fails_leaves_the_manual_clock_to_the_next_system(
    given: dict[str, type], error: type[Exception]
) -> None:
    """The store opens before the clock is attached; the transport connects after the root
    started, and the failed start's shutdown lets the clock go as any shutdown does."""
    clock = ManualClock()
    failing = ActorSystem("first", clock=clock, **{key: make() for key, make in given.items()})
    async with asyncio.timeout(SAFETY):
        with pytest.raises(error):
            await failing.start()
        assert clock._idle == []  # noqa: SLF001 (what `settle` consults)
        async with ActorSystem("next", clock=clock) as system:
            probe = await Probe.spawn(system)
            system.schedule_once(1.0, probe.ref, "tick")
            await clock.advance(1.0)
            await probe.expect("tick")
