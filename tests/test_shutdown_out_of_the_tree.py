"""A spawn cancelled during or after a failed `on_start` takes its actor out of the tree at
once (its name is free), and its task stops the children `on_start` began: those are out of
the orderly stop's reach. A shutdown waits for them within its own timeout, then forces their
stop as it does what is left in the tree (API.md §9), rather than return after the grace with
them still running."""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

import pytest

from actorkit import Actor, ActorRef, ActorSystem

from .shutdown_support import SLACK, shorten_grace


class Kid(Actor):
    """Its `on_stop` takes `takes` seconds (None: until cancelled), and is logged once ended,
    and once through, which a cancelled one is not."""

    def __init__(self, stopping: asyncio.Event, log: list[str], takes: float | None) -> None:
        self.stopping, self.log, self.takes = stopping, log, takes

    async def receive(self, message: Any) -> None:
        pass

    async def on_stop(self) -> None:
        self.stopping.set()
        try:
            if self.takes is None:
                await asyncio.Event().wait()
            else:
                await asyncio.sleep(self.takes)
                self.log.append("kid cleaned up")
        finally:
            self.log.append("kid stopped")


class Starts(Actor):
    """`on_start` spawns a kid, then fails or waits to be cancelled."""

    def __init__(self, kid: tuple[Any, ...], fail: bool) -> None:
        self.kid, self.fail = kid, fail

    async def receive(self, message: Any) -> None:
        pass

    async def on_start(self) -> None:
        await self.spawn(Kid, *self.kid, name="kid")
        if self.fail:
            raise ValueError("on_start failed")
        await asyncio.Event().wait()


async def _cancelled_spawn(system: ActorSystem, kid: tuple[Any, ...], fail: bool) -> ActorRef:
    """The kid, found while in the tree: once the spawn is cancelled, no path finds it."""
    spawning = asyncio.ensure_future(system.spawn(Starts, kid, fail, name="x"))
    stopping: asyncio.Event = kid[0]
    if fail:
        await stopping.wait()  # `on_start` failed; the kid's `on_stop` holds the cleanup
    else:
        while system.lookup("/x/kid") is None:
            await asyncio.sleep(0)
    ref = system.lookup("/x/kid")
    assert ref is not None
    spawning.cancel()
    with pytest.raises(asyncio.CancelledError):
        await spawning
    assert system.lookup("/x") is None and system.lookup("/x/kid") is None
    return ref


WHEN = pytest.mark.parametrize("fail", [True, False], ids=["on_start-failed", "in-on_start"])


GRACE = 0.2
"""The forced stop's grace, made short: the cleanup outlasts it without a long wait."""


@WHEN
async def test_the_shutdown_waits_out_the_cleanup_within_its_timeout(
    fail: bool, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    stopping = asyncio.Event()
    log: list[str] = []
    shorten_grace(monkeypatch, GRACE)
    async with asyncio.timeout(10):
        system = ActorSystem(metrics=False)
        await system.start()
        kid = await _cancelled_spawn(system, (stopping, log, 2.5 * GRACE), fail)  # past it
        await stopping.wait()
        await system.shutdown(timeout=8)
    assert log == ["kid cleaned up", "kid stopped"]  # waited out, not cancelled
    assert not kid.is_alive
    assert "abandoned" not in caplog.text


@WHEN
async def test_the_shutdown_forces_the_cleanup_at_its_deadline(
    fail: bool, caplog: pytest.LogCaptureFixture
) -> None:
    stopping = asyncio.Event()
    log: list[str] = []
    loop = asyncio.get_running_loop()
    async with asyncio.timeout(10):
        system = ActorSystem(metrics=False)
        await system.start()
        kid = await _cancelled_spawn(system, (stopping, log, None), fail)
        await stopping.wait()
        started = loop.time()
        await system.shutdown(timeout=0.3)
        took = loop.time() - started
    assert log == ["kid stopped"]
    assert not kid.is_alive
    # 1 µs below: `loop.time()` near thousands of seconds loses the last bits of 0.3 (it read
    # 0.2999999999992724 for a deadline met)
    assert 0.3 - 1e-6 <= took < 0.3 + SLACK
    assert "exceeded 0.3s; cancelled: /x/kid" in caplog.text
    assert "abandoned" not in caplog.text
    with contextlib.suppress(Exception):
        await system.shutdown()


async def test_a_shorter_shutdown_brings_the_forced_stop_of_the_cleanup_forward() -> None:
    stopping = asyncio.Event()
    log: list[str] = []
    loop = asyncio.get_running_loop()
    async with asyncio.timeout(10):
        system = ActorSystem(metrics=False)
        await system.start()
        await _cancelled_spawn(system, (stopping, log, None), True)
        await stopping.wait()
        first = asyncio.ensure_future(system.shutdown(timeout=60))
        for _ in range(20):  # turns enough for the tree to stop, but for the cleanup
            await asyncio.sleep(0)
        assert not first.done()  # the first shutdown waits for the cleanup
        started = loop.time()
        await system.shutdown(timeout=0.2)
        took = loop.time() - started
        await first
    assert log == ["kid stopped"]
    assert took < 0.2 + SLACK


class SpawnsAKid(Actor):
    """Takes the freed name, and spawns its own kid under the same path as the first's."""

    def __init__(self, kid: tuple[Any, ...]) -> None:
        self.kid = kid

    async def receive(self, message: Any) -> None:
        pass

    async def on_start(self) -> None:
        await self.spawn(Kid, *self.kid, name="kid")


async def test_the_forced_stop_reaches_a_cleanup_whose_kid_a_respawn_shadows() -> None:
    """The respawned actor's kid takes the path of the first one's: the first kid, neither in
    the tree nor found by its path, must still be stopped."""
    stopping = asyncio.Event()
    log: list[str] = []
    async with asyncio.timeout(10):
        system = ActorSystem(metrics=False)
        await system.start()
        first_kid = await _cancelled_spawn(system, (stopping, log, None), True)
        await stopping.wait()
        await system.spawn(SpawnsAKid, (asyncio.Event(), log, 0), name="x")
        assert system.lookup("/x/kid") not in (None, first_kid)
        await system.shutdown(timeout=0.3)
    assert not first_kid.is_alive
    assert sorted(log) == ["kid cleaned up", "kid stopped", "kid stopped"]
