"""How a cut instance ends (API 9, "Supervision"): through an anyio shielded scope, as a
forced stop's cancellation goes; abandoned past the grace when it swallows the cut, and then
stopped for good, whatever its supervisor meant, and nothing more when its task ends late."""

from __future__ import annotations

import asyncio
from typing import Any

import anyio
import pytest

from actorkit import ActorSystem, OneForAll, Terminated
from actorkit.testing import Probe, snapshot

from .invariants import assert_settled
from .metrics_truth_support import scraped, total
from .otp_conformance_support import Watcher
from .supervision_cut_support import BOUND, _cut_b
from .supervision_support import Worker


class Shielded(Worker):
    """ "hang" waits for `release` in an anyio scope shielded from cancellation."""

    release: asyncio.Event

    async def receive(self, message: Any) -> Any:
        if message == "hang":
            self.journal.append(f"hangs {self.label}")
            with anyio.CancelScope(shield=True):
                await type(self).release.wait()
            self.journal.append(f"released {self.label}")
            return "released"
        return await super().receive(message)


async def test_a_cut_goes_through_an_anyio_shielded_scope_as_a_forced_stop_does() -> None:
    """anyio's shield holds off anyio's own scopes, not `Task.cancel()` (API 1, anyio
    hosts): the cut reaches the handler and the child restarts, its watchers told nothing."""
    journal: list[str] = []
    Shielded.release = asyncio.Event()
    async with asyncio.timeout(5), ActorSystem() as system:
        probe = await Probe.spawn(system)
        watcher = await system.spawn(Watcher, probe.ref)
        _sup, _a, b = await _cut_b(system, journal, Shielded, OneForAll(shutdown=BOUND), watcher)
        assert await b.ask("handled") == 0
        Shielded.release.set()
        assert await b.ask("handled") == 0
        assert "released b" not in journal
        await watcher.ask("sync")
        probe.expect_empty()
        samples = scraped(system)
        assert total(samples, "actorkit_actor_failures_total", actor_type="Shielded") == 1
        assert snapshot(b).restarts == 1
        await assert_settled(system)


class Stubborn(Worker):
    """ "hang" swallows the cut, waits for `release`, then does what `then` says."""

    release: asyncio.Event
    then = "return"
    task: asyncio.Task[Any] | None = None

    async def receive(self, message: Any) -> Any:
        if message == "hang":
            self.journal.append(f"hangs {self.label}")
            type(self).task = asyncio.current_task()
            try:
                await asyncio.Event().wait()
            except asyncio.CancelledError:
                await type(self).release.wait()
            self.journal.append(f"released {self.label}")
            if self.then == "raise":
                raise RuntimeError("late failure")
            return "late"
        return await super().receive(message)


@pytest.mark.parametrize("then", ["return", "raise"])
async def test_an_abandoned_cut_instance_that_ends_late_changes_nothing(
    then: str, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr("actorkit._cut.FORCED_STOP_GRACE", BOUND)
    journal: list[str] = []
    Stubborn.release = asyncio.Event()
    Stubborn.then = then
    async with asyncio.timeout(5), ActorSystem() as system:
        probe = await Probe.spawn(system)
        watcher = await system.spawn(Watcher, probe.ref)
        _sup, a, b = await _cut_b(system, journal, Stubborn, OneForAll(shutdown=BOUND), watcher)
        ended = await probe.receive()
        assert isinstance(ended, Terminated) and ended.ref == b
        assert await a.ask("handled") == 0
        task = Stubborn.task
        assert task is not None
        Stubborn.release.set()
        await asyncio.wait([task])
        await watcher.ask("sync")
        probe.expect_empty()
        samples = scraped(system)
        assert total(samples, "actorkit_actor_failures_total", actor_type="Stubborn") == 1
        assert snapshot(b).accounting.balanced, snapshot(b).accounting
        decided = [r.getMessage() for r in caplog.records if "failed handling" in r.getMessage()]
        assert [m for m in decided if "/b" in m and "restart" in m] == [], decided
        await assert_settled(system)
