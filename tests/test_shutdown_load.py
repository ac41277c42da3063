"""Shutdown under load: hundreds of actors with full mailboxes and slow handlers, some stuck
for good and some ignoring their cancellation, while producers keep sending. `shutdown(timeout)`
returns within its timeout plus the forced-stop grace, names every actor it had to cancel or
abandon, and leaves every message accounted for and every asker answered.
(tests/test_shutdown_{bounds,order,cancelled_actors,failures}.py have the single-actor cases.)"""

from __future__ import annotations

import asyncio
import contextlib
import re
import time
from typing import Any

import pytest

from actorkit import Actor, ActorError, ActorSystem
from actorkit.testing import FORCED_STOP_GRACE, cancel_task, pending_asks, snapshots

from .invariants import TaskSnapshot, assert_invariants
from .shutdown_support import SLACK


class Busy(Actor):
    """Awaits a few loop turns per message: a backlog takes a while to drain."""

    async def receive(self, message: Any) -> Any:
        for _ in range(3):
            await asyncio.sleep(0)
        return message


class Stuck(Actor):
    async def receive(self, message: Any) -> Any:
        await asyncio.Event().wait()  # only cancellation ends it


class Stubborn(Actor):
    """Ignores the first cancellation and keeps waiting: abandoned by shutdown."""

    async def receive(self, message: Any) -> Any:
        try:
            await asyncio.Event().wait()
        except asyncio.CancelledError:
            await asyncio.Event().wait()


async def test_shutdown_under_load_is_bounded_and_names_what_it_cut_off(
    caplog: pytest.LogCaptureFixture,
) -> None:
    tasks = TaskSnapshot()
    system = await ActorSystem("loaded").start()
    busy = [await system.spawn(Busy, name=f"busy{i}", mailbox_size=50) for i in range(300)]
    parent = await system.spawn(Busy, name="parent")
    stuck = [await system.spawn(Stuck, name=f"stuck{i}") for i in range(3)]
    stubborn = [await system.spawn(Stubborn, name=f"stubborn{i}") for i in range(2)]
    for ref in [*stuck, *stubborn]:
        ref.tell("block")
    for ref in busy:
        for i in range(50):
            ref.tell(i)  # full mailboxes: the drain alone outlasts the timeout
    asks = [asyncio.ensure_future(ref.ask("q", timeout=60)) for ref in [*busy[:50], *stuck]]
    flowing = True

    async def produce() -> None:
        n = 0
        while flowing:
            n += 1
            with contextlib.suppress(ActorError):
                await busy[n % len(busy)].send(n)  # returns at once once it has stopped
            await asyncio.sleep(0)

    producers = [asyncio.create_task(produce()) for _ in range(4)]
    await asyncio.sleep(0)  # one turn: the producers start sending
    timeout = 0.2
    started = time.monotonic()
    await system.shutdown(timeout=timeout)
    took = time.monotonic() - started
    flowing = False
    await asyncio.gather(*producers)

    assert took < timeout + FORCED_STOP_GRACE + SLACK, f"shutdown took {took:.2f}s"
    cancelled = re.search(r"cancelled: (.*)", caplog.text)
    assert cancelled is not None
    named = set(cancelled.group(1).split(", "))
    assert {ref.path for ref in [*stuck, *stubborn]} <= named
    abandoned = re.search(r"ignored cancellation: (.*)", caplog.text)
    assert abandoned is not None
    assert set(abandoned.group(1).split(", ")) == {"/stubborn0", "/stubborn1"}
    assert not parent.is_alive and all(not ref.is_alive for ref in busy)
    for ask in asks:  # answered or failed, never left hanging
        assert ask.done()
        if ask.exception() is not None:
            assert isinstance(ask.exception(), ActorError)
    assert pending_asks(system) == 0
    assert snapshots(system) == []
    assert_invariants(system)
    totals = system.accounting()
    assert totals.dead_lettered > 0 and totals.processed > 0
    # The abandoned handlers end at their second cancellation; nothing else is left.
    for ref in stubborn:
        cancel_task(ref)
    await tasks.assert_no_leaks()
