"""What a dead letter keeps of a failure (docs/api.md §4): a `Terminated` that reaches no
watcher is recorded as it is, its `reason` the very exception the failed actor raised (the
one its asker got, traceback and all). Its traceback's frames hold the failed handler's
locals and instance, so the ring keeps those as long as it keeps the record, and no longer:
the runtime neither copies the user's exception nor clears its traceback, which would take
the asker's (and every watcher's) with it."""

from __future__ import annotations

import asyncio
import gc
import logging
import weakref
from typing import Any

import pytest

from actorkit import Actor, ActorRef, ActorSystem, Terminated
from actorkit._dead_letters import RECENT_LIMIT
from actorkit.testing import ManualClock

BOUND = 5.0


class Payload:
    """A large local of the failing handler, which a weak reference shows alive or gone."""

    def __init__(self) -> None:
        self.data = bytearray(1_000_000)


class Failing(Actor):
    def __init__(self, kept: list[weakref.ref[Payload]]) -> None:
        self.kept = kept

    async def receive(self, message: Any) -> Any:
        payload = Payload()
        self.kept.append(weakref.ref(payload))
        raise RuntimeError(f"failed holding {len(payload.data)} bytes")


class Watcher(Actor):
    async def receive(self, message: Any) -> Any:
        if isinstance(message, ActorRef):
            self.watch(message)
        elif isinstance(message, asyncio.Event):
            await message.wait()


async def test_a_dead_lettered_terminated_keeps_the_failure_while_the_ring_keeps_it(
    clock: ManualClock, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.CRITICAL, logger="actorkit")  # a captured report keeps frames too
    kept: list[weakref.ref[Payload]] = []
    async with asyncio.timeout(BOUND), ActorSystem(clock=clock, metrics=False) as system:
        failing = await system.spawn(Failing, kept, restart="temporary")
        watcher = await system.spawn(Watcher)
        watcher.tell(failing)
        gate = asyncio.Event()
        watcher.tell(gate)  # busy: the `Terminated` queues behind it
        with pytest.raises(RuntimeError, match="failed holding") as raised:
            await failing.ask("fail", timeout=1.0)
        error = raised.value
        stopping = asyncio.ensure_future(watcher.stop())
        await clock.settle()
        gate.set()
        await stopping

        (letter,) = system.dead_letters.recent
        terminated = letter.message
        assert isinstance(terminated, Terminated) and letter.reason == "stopping"
        assert terminated.reason is error  # the asker's own exception, untouched
        assert error.__traceback__ is not None
        del letter, terminated, error, raised, failing
        gc.collect()
        assert kept[0]() is not None  # the record's exception's frames hold it

        for n in range(RECENT_LIMIT):  # the record leaves the ring
            watcher.tell(n)
        assert system.dead_letters.count == RECENT_LIMIT + 1
        gc.collect()
        assert kept[0]() is None, [type(r).__name__ for r in gc.get_referrers(kept[0]())]
