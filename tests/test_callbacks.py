"""Failures inside the runtime's own callbacks: an exception in `on_stop`, in a `Terminated`
handler, in a timer's target, in a metrics source, and a handler that swallows its
cancellation. None of them wedges the system or its shutdown, each is logged with the
actor's path, and the message accounting still balances. (A handler that blocks the loop is
reported by the watchdog: tests/test_watchdog.py.)"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterator
from typing import Any

import aiohttp
import pytest
from prometheus_client import generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric

from actorkit import Actor, ActorStopped, ActorSystem, Terminated
from actorkit.testing import ManualClock, Probe, snapshot

from .invariants import TaskSnapshot, assert_invariants, assert_settled
from .shutdown_support import BOUND


class Oops(Exception):
    pass


def logged(caplog: pytest.LogCaptureFixture, text: str) -> list[logging.LogRecord]:
    return [record for record in caplog.records if text in record.getMessage()]


def forced(caplog: pytest.LogCaptureFixture) -> bool:
    return bool(logged(caplog, "exceeded"))


class FailingStop(Actor):
    async def on_start(self) -> None:
        if self.parent is None:
            await self.spawn(FailingStop, name="child")

    async def receive(self, message: Any) -> Any:
        if message == "crash":
            raise Oops("crash")
        return message

    async def on_stop(self) -> None:
        raise Oops(f"on_stop of {self.path}")


async def test_on_stop_failures_are_logged_by_path_and_never_wedge_stop_restart_or_shutdown(
    caplog: pytest.LogCaptureFixture,
) -> None:
    tasks = TaskSnapshot()
    async with ActorSystem() as system:
        a = await system.spawn(FailingStop, name="a")
        b = await system.spawn(FailingStop, name="b")
        with pytest.raises(Oops):
            await a.ask("crash")  # restart: the failing instance's on_stop raises
        assert await a.ask("after") == "after"
        await b.stop()  # stop: the child's and its own on_stop raise
        assert not b.is_alive
        assert system.lookup("/b/child") is None
        await assert_settled(system)
    # shutdown: /a/child and /a raise again; shutdown is orderly all the same
    assert not forced(caplog)
    paths = [record.getMessage().split()[2] for record in logged(caplog, "on_stop of")]
    # restart of /a stops /a/child first (children before parents), then /a itself.
    assert paths == ["/a/child", "/a", "/b/child", "/b", "/a/child", "/a"]
    assert_invariants(system)
    await tasks.assert_no_leaks()


class Watcher(Actor):
    def __init__(self, probe: Probe) -> None:
        self.probe = probe

    async def receive(self, message: Any) -> Any:
        if isinstance(message, Terminated):
            self.probe.ref.tell(("terminated", message.ref.path))
            raise Oops(f"Terminated handler failed for {message.ref.path}")
        if isinstance(message, tuple) and message[0] == "watch":
            self.watch(message[1])
            return None
        return message


class Plain(Actor):
    async def receive(self, message: Any) -> Any:
        return message


async def test_a_terminated_handler_that_raises_is_restarted_and_shutdown_completes(
    caplog: pytest.LogCaptureFixture,
) -> None:
    async with ActorSystem() as system:
        probe = await Probe.spawn(system)
        watcher = await system.spawn(Watcher, probe, name="watcher")
        first = await system.spawn(Plain, name="first")
        late = await system.spawn(Plain, name="late")
        await watcher.ask(("watch", first))
        await watcher.ask(("watch", late))
        await first.stop()
        await probe.expect(("terminated", "/first"))
        assert await watcher.ask("still serving") == "still serving"
        assert snapshot(watcher).restarts == 1
    # At shutdown /late stops first (reverse start order) and the watcher fails on its
    # Terminated while draining: it is stopped, not restarted, and shutdown stays orderly.
    assert not forced(caplog)
    reports = [r for r in caplog.records if getattr(r, "message_type", "") == "Terminated"]
    assert [r.actor_path for r in reports] == ["/watcher", "/watcher"]  # type: ignore[attr-defined]
    assert [r.directive for r in reports] == ["restart", "stop (shutting down)"]  # type: ignore[attr-defined]
    assert_invariants(system)


class Ticker(Actor):
    def __init__(self, probe: Probe) -> None:
        self.probe = probe

    async def on_start(self) -> None:
        self.timers.start_every("own", "own-tick", 1.0)

    async def receive(self, message: Any) -> Any:
        self.probe.ref.tell(message)
        if message == "system-tick":
            raise Oops("timer target failed")
        return None


async def test_a_timer_target_that_raises_is_restarted_and_system_timers_keep_firing(
    clock: ManualClock, caplog: pytest.LogCaptureFixture
) -> None:
    async with ActorSystem(clock=clock) as system:
        probe = await Probe.spawn(system)
        ticker = await system.spawn(Ticker, probe, name="ticker")
        handle = system.schedule_every(1.5, ticker, "system-tick")
        await clock.advance(1.0)
        await probe.expect("own-tick")
        await clock.advance(0.5)  # t=1.5: the target fails; restarted, own timer restarted
        await probe.expect("system-tick")
        await clock.advance(1.5)  # t=3.0: the new instance's own timer (started at 1.5)
        await clock.advance(0.0)
        got = [await probe.receive(), await probe.receive()]
        assert sorted(got) == ["own-tick", "system-tick"]
        assert handle.active  # the system timer outlives the target's restarts
        assert snapshot(ticker).restarts == 2
        handle.cancel()
    reports = [r for r in caplog.records if getattr(r, "actor_path", "") == "/ticker"]
    assert len(reports) == 2
    assert all("failed handling str" in r.getMessage() for r in reports)


class Keyed(Actor):
    async def receive(self, message: Any) -> Any:
        return message


def broken_key(message: object) -> object:
    raise KeyError(f"no key in {message!r}")


async def test_a_timer_whose_routing_raises_is_logged_with_the_path_and_keeps_its_schedule(
    clock: ManualClock, caplog: pytest.LogCaptureFixture
) -> None:
    async with ActorSystem(clock=clock) as system:
        pool = await system.spawn_pool(
            Keyed, size=2, routing="consistent_hash", hash_key=broken_key, name="keyed"
        )
        handle = system.schedule_every(1.0, pool, "tick")
        await clock.advance(3.0)  # no exception escapes into the clock or the loop
        assert handle.active
        handle.cancel()
        assert system.dead_letters.by_reason == {"undeliverable": 3}
        assert await pool.members[0].ask("alive") == "alive"
    records = logged(caplog, "timer could not deliver")
    assert len(records) == 3
    assert all(record.actor_path == "/keyed" for record in records)  # type: ignore[attr-defined]


def broken_source() -> Iterator[Metric]:
    yield GaugeMetricFamily("early_family", "yielded before the failure", value=1)
    raise Oops("metrics source failed")


def good_source() -> Iterator[Metric]:
    yield GaugeMetricFamily("late_family", "registered after the broken one", value=2)


async def test_a_broken_metrics_source_is_logged_and_the_rest_is_still_served(
    caplog: pytest.LogCaptureFixture,
) -> None:
    async with ActorSystem() as system:
        system.metrics.add_source(broken_source)
        system.metrics.add_source(good_source)
        await system.spawn(Plain, name="plain")
        text = generate_latest(system.metrics.registry).decode()
        assert "late_family 2.0" in text  # the next source still runs
        assert "early_family 1.0" in text
        assert "actorkit_actors{" in text
        server = await system.serve_http(port=0)
        async with aiohttp.ClientSession() as session:
            async with session.get(f"{server.url}/metrics") as response:
                assert response.status == 200
                assert "late_family" in await response.text()
            async with session.get(f"{server.url}/healthz") as response:
                assert response.status == 200
    records = logged(caplog, "metrics source broken_source failed")
    assert len(records) == 2  # once per scrape, naming the source
    assert not forced(caplog)


class Swallower(Actor):
    """Swallows the cancellation of a forced stop and returns (or raises) as if nothing
    happened: the worst a handler can do without blocking the loop."""

    def __init__(self, entered: asyncio.Event) -> None:
        self.entered = entered

    async def receive(self, message: Any) -> Any:
        self.entered.set()
        try:
            await asyncio.Event().wait()
        except asyncio.CancelledError:
            if message == "raise":
                raise Oops("raised after swallowing the cancellation") from None
            return "swallowed"
        return None


@pytest.mark.parametrize("how", ["return", "raise"])
async def test_a_handler_that_swallows_cancellation_cannot_wedge_shutdown_or_accounting(
    how: str, caplog: pytest.LogCaptureFixture
) -> None:
    tasks = TaskSnapshot()
    entered = asyncio.Event()
    system = await ActorSystem().start()
    ref = await system.spawn(Swallower, entered, name="swallower")
    asked = asyncio.ensure_future(ref.ask(how, timeout=60))
    await entered.wait()
    queued = asyncio.ensure_future(ref.ask("queued", timeout=60))
    await asyncio.sleep(0)  # one turn: the ask's task puts it in the mailbox
    async with asyncio.timeout(BOUND):
        await system.shutdown(timeout=0.05)
    for ask in (asked, queued):
        with pytest.raises(ActorStopped):
            await ask
    assert "cancelled: /swallower" in caplog.text
    assert "ignored cancellation" not in caplog.text  # its task ended within the grace
    await tasks.assert_no_leaks()
    # Both messages are dead letters, whatever the handler did after the cancellation.
    box = snapshot(ref).accounting
    assert (box.accepted, box.processed, box.crashed, box.dead_lettered) == (2, 0, 0, 2)
    assert_invariants(system)
    if how == "raise":
        [report] = [r for r in caplog.records if getattr(r, "actor_path", "") == "/swallower"]
        assert report.directive == "none (already stopped)"  # type: ignore[attr-defined]


class SlowStart(Actor):
    def __init__(self, entered: asyncio.Event) -> None:
        self.entered = entered

    async def on_start(self) -> None:
        self.entered.set()
        await asyncio.Event().wait()


async def test_spawn_cut_off_in_on_start_by_a_forced_shutdown_raises_instead_of_hanging(
    caplog: pytest.LogCaptureFixture,
) -> None:
    entered = asyncio.Event()
    system = await ActorSystem().start()
    spawning = asyncio.ensure_future(system.spawn(SlowStart, entered, name="slow"))
    await entered.wait()
    await system.shutdown(timeout=0.05)
    with pytest.raises(ActorStopped, match="/slow was stopped before on_start finished"):
        async with asyncio.timeout(1.0):  # safety net only: it fails at once
            await spawning
    assert "cancelled: /slow" in caplog.text
    assert_invariants(system)
