"""Shutdown returns within its timeout, whatever the handlers do (API 9)."""

from __future__ import annotations

import asyncio
import contextlib
import time
from typing import Any

import pytest

from actorkit import Actor, ActorStopped, ActorSystem, NotDelivered, OneForOne
from actorkit.testing import FORCED_STOP_GRACE, cancel_task

from .shutdown_support import BOUND, SLACK, shorten_grace


class Stuck(Actor):
    def __init__(self, entered: asyncio.Event) -> None:
        self.entered = entered

    async def receive(self, message: Any) -> None:
        self.entered.set()
        await asyncio.Event().wait()  # never set: only cancellation ends this


class Stubborn(Actor):
    """Swallows cancellation once, the worst a handler can do without blocking the loop."""

    def __init__(self, entered: asyncio.Event) -> None:
        self.entered = entered

    async def receive(self, message: Any) -> None:
        self.entered.set()
        try:
            await asyncio.Event().wait()
        except asyncio.CancelledError:
            await asyncio.Event().wait()


class Unstoppable(Actor):
    """Never finishes its orderly stop: only the forced stop's cancellation ends `on_stop`."""

    def __init__(self, stopping: asyncio.Event) -> None:
        self.stopping = stopping

    async def on_stop(self) -> None:
        self.stopping.set()
        await asyncio.Event().wait()


class Escalates(Actor):
    async def receive(self, message: Any) -> None:
        raise ValueError("past the root")


class ShutsDownSlowly(Actor):
    async def receive(self, message: Any) -> None:
        await self.system.shutdown(timeout=60)


async def test_shutdown_after_a_root_failure_keeps_its_own_timeout(
    caplog: pytest.LogCaptureFixture,
) -> None:
    stopping = asyncio.Event()
    loop = asyncio.get_running_loop()
    system = ActorSystem(metrics=False, supervisor=OneForOne(decider={ValueError: "escalate"}))
    await system.start()
    await system.spawn(Unstoppable, stopping, name="unstoppable")
    (await system.spawn(Escalates)).tell("fail")
    async with asyncio.timeout(BOUND):
        await stopping.wait()  # the root failure's own stop, with the default timeout, is on
        started = loop.time()
        await system.shutdown(timeout=0.2)
    assert loop.time() - started < 0.2 + FORCED_STOP_GRACE + SLACK
    assert isinstance(system.failure, ValueError)
    assert "exceeded 0.2s; cancelled: /unstoppable" in caplog.text


@pytest.mark.parametrize("first_from", ["outside", "inside an actor"])
async def test_a_shorter_second_shutdown_brings_the_forced_stop_forward(first_from: str) -> None:
    stopping = asyncio.Event()
    loop = asyncio.get_running_loop()
    system = await ActorSystem(metrics=False).start()
    await system.spawn(Unstoppable, stopping, name="unstoppable")
    if first_from == "outside":
        first = asyncio.ensure_future(system.shutdown(timeout=60))
    else:
        ref = await system.spawn(ShutsDownSlowly)
        first = asyncio.ensure_future(ref.ask("shut down"))
    async with asyncio.timeout(BOUND):
        await stopping.wait()
        started = loop.time()
        await system.shutdown(timeout=0.2)
        await first  # the first call (or the ask of the actor that made it) is over too
    assert loop.time() - started < 0.2 + FORCED_STOP_GRACE + SLACK


async def test_a_longer_second_shutdown_does_not_push_the_forced_stop_back() -> None:
    """The deadline only moves earlier: the first caller's timeout still holds."""
    stopping = asyncio.Event()
    loop = asyncio.get_running_loop()
    system = await ActorSystem(metrics=False).start()
    await system.spawn(Unstoppable, stopping, name="unstoppable")
    started = loop.time()
    first = asyncio.ensure_future(system.shutdown(timeout=0.2))
    async with asyncio.timeout(BOUND):
        await stopping.wait()
        await system.shutdown(timeout=60)
        await first
    assert loop.time() - started < 0.2 + FORCED_STOP_GRACE + SLACK


async def test_shutdown_timeout_cancels_fails_asks_and_returns_in_time(
    caplog: pytest.LogCaptureFixture,
) -> None:
    entered = asyncio.Event()
    system = await ActorSystem().start()
    ref = await system.spawn(Stuck, entered, name="stuck")
    in_flight = asyncio.ensure_future(ref.ask("block", timeout=60))
    await entered.wait()
    queued = asyncio.ensure_future(ref.ask("queued", timeout=60))
    await asyncio.sleep(0)  # one turn: the ask's task puts it in the mailbox
    started = time.monotonic()
    await system.shutdown(timeout=0.2)
    assert time.monotonic() - started < 0.2 + FORCED_STOP_GRACE + SLACK
    with pytest.raises(ActorStopped) as cut:
        await in_flight
    assert type(cut.value) is ActorStopped  # it was being handled: it may have had effects
    with pytest.raises(NotDelivered):  # still queued: never handled
        await queued
    assert "/stuck" in caplog.text
    # The queued ask and the one cut off mid-handler are both accounted as dead letters.
    assert system.dead_letters.by_reason == {"shutdown": 2}
    letters = sorted((d.message, d.recipient) for d in system.dead_letters.recent)
    assert letters == [("block", "/stuck"), ("queued", "/stuck")]  # the messages, as sent
    assert system.accounting().balanced


async def test_shutdown_returns_even_when_a_handler_ignores_cancellation(
    caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    shorten_grace(monkeypatch)  # the bound below, for the 1 s grace, is no looser than it was
    entered = asyncio.Event()
    system = await ActorSystem().start()
    ref = await system.spawn(Stubborn, entered, name="stubborn")
    ref.tell("block")
    await entered.wait()
    started = time.monotonic()
    await system.shutdown(timeout=0.1)
    assert time.monotonic() - started < 0.1 + FORCED_STOP_GRACE + SLACK
    assert "ignored cancellation: /stubborn" in caplog.text
    assert not ref.is_alive
    cancel_task(ref)  # let the test end cleanly


class StubbornOnStop(Actor):
    """Busy in a handler when the shutdown's forced stop cancels it; then its `on_stop`, run
    in the cancelled task, ignores every cancellation until `release`."""

    def __init__(self, entered: asyncio.Event, release: asyncio.Event) -> None:
        self.entered, self.release = entered, release

    async def receive(self, message: Any) -> None:
        self.entered.set()
        await asyncio.Event().wait()

    async def on_stop(self) -> None:
        while not self.release.is_set():
            with contextlib.suppress(asyncio.CancelledError):
                await self.release.wait()


async def test_an_on_stop_ignoring_cancellation_in_a_cut_handler_s_task_gets_one_grace(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """README, "Shutdown is bounded": within the timeout plus the one grace, an `on_stop` in a
    cancelled actor included; the forced stop and the wait for unwinding `on_stop`s share it."""
    entered, release = asyncio.Event(), asyncio.Event()
    system = await ActorSystem(metrics=False).start()
    ref = await system.spawn(StubbornOnStop, entered, release, name="stubborn")
    ref.tell("hold")
    try:
        async with asyncio.timeout(BOUND):
            await entered.wait()
            started = time.monotonic()
            await system.shutdown(timeout=0.1)
        took = time.monotonic() - started
    finally:
        release.set()  # the abandoned task ends: the test leaves nothing running
    assert caplog.text.count("abandoned actors that ignored cancellation: /stubborn") == 1
    assert took < 0.1 + FORCED_STOP_GRACE + 0.5, took  # not a second grace
