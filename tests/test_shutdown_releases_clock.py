"""A system that shut down leaves nothing on its clock: no timer armed for a message nobody
will take, no ask deadline bucket, and no claim on a `ManualClock` that a test hands on to
the next system."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

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


def armed(clock: ManualClock) -> int:
    """The clock's entries not cancelled, `pending` or not: the ask deadlines' timer, kept
    armed for answered asks, is not pending work, but still the system's on the clock."""
    return sum(not entry.cancelled for _, _, entry in clock._heap)  # noqa: SLF001


async def test_an_answered_asks_deadline_bucket_ends_with_the_system() -> None:
    """An answered ask leaves its deadline in a bucket to be swept later (cheaper than
    taking it out per ask): the shutdown takes the bucket off the clock."""
    clock = ManualClock()
    async with asyncio.timeout(SAFETY):
        async with ActorSystem("asks", clock=clock) as system:
            ref = await system.spawn(Echo)
            assert await ref.ask("hi", timeout=60.0) == "hi"
            assert armed(clock) >= 1
            assert clock.pending == 0  # no ask waits on it
        assert armed(clock) == 0


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


class RootUnmade(RuntimeError):
    """What the root's instance raises in `root_unmade`."""


def unopenable_store(_: pytest.MonkeyPatch) -> dict[str, object]:
    return {"store": UnopenableStore()}


def refused_transport(_: pytest.MonkeyPatch) -> dict[str, object]:
    return {"transport": RefusedTransport()}


def root_unmade(monkeypatch: pytest.MonkeyPatch) -> dict[str, object]:
    def refuse(cell: object) -> None:
        raise RootUnmade("the root's instance cannot be made")

    monkeypatch.setattr("actorkit._root.make_instance", refuse)
    return {}


@pytest.mark.parametrize(
    ("given", "error"),
    [
        (unopenable_store, PersistenceError),
        (refused_transport, OSError),
        (root_unmade, RootUnmade),
    ],
    ids=["store", "transport", "root"],
)
async def test_a_start_that_fails_leaves_the_manual_clock_to_the_next_system(
    given: Callable[[pytest.MonkeyPatch], dict[str, object]],
    error: type[Exception],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The store opens before the clock is attached; the transport connects after the root
    started, and the failed start's shutdown lets the clock go as any shutdown does; a
    root that cannot be made leaves no stop of the actors to do that."""
    clock = ManualClock()
    failing = ActorSystem("first", clock=clock, **given(monkeypatch))  # type: ignore[arg-type]
    async with asyncio.timeout(SAFETY):
        with pytest.raises(error):
            await failing.start()
        monkeypatch.undo()
        assert clock._idle == []  # noqa: SLF001 (what `settle` consults)
        async with ActorSystem("next", clock=clock) as system:
            probe = await Probe.spawn(system)
            system.schedule_once(1.0, probe.ref, "tick")
            await clock.advance(1.0)
            await probe.expect("tick")
