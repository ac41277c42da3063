"""A draining stop whose own transition raises: a member leaving its pool's shrink fails as its
drain begins (a runtime fault). It is leaving for good, so the failure closes it ("stop (it
cannot go on)"), its `on_stop` run once, and the pool is neither told to decide on it nor
left waiting: the shrink returns, the member that stays serves on, and the name is free."""

from __future__ import annotations

import asyncio

import pytest

from actorkit import ActorSystem
from actorkit._record import Record
from actorkit.testing import ManualClock

from .invariants import assert_settled
from .shutdown_support import BOUND
from .test_pools import Member


class Noted(Member):
    def __init__(self, stops: list[str]) -> None:
        super().__init__()
        self.stops = stops

    async def on_stop(self) -> None:
        self.stops.append(self.name)


async def test_a_pool_leaver_whose_drain_raises_closes_and_the_shrink_returns(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    faults = [RuntimeError("a fault as the leaver's drain begins")]
    drain = Record.drain

    def faulty(self: Record) -> None:
        if faults and self.path == "/pool/1":
            raise faults.pop()
        drain(self)

    monkeypatch.setattr(Record, "drain", faulty)
    stops: list[str] = []
    clock = ManualClock()
    async with asyncio.timeout(BOUND), ActorSystem(metrics=False, clock=clock) as system:
        pool = await system.spawn_pool(Noted, stops, size=2, name="pool")
        leaver = pool.members[1]
        await pool.resize(1)
        await clock.settle()
        assert not faults
        assert not leaver.is_alive and system.lookup("/pool/1") is None
        assert stops == ["1"]  # its `on_stop` ran once, and no instance came after
        assert [m.name for m in pool.members] == ["0"]
        assert await pool.ask("who") == "0"
        await pool.resize(2)
        assert [m.name for m in pool.members] == ["0", "1"]
        await assert_settled(system)
    reports = [r for r in caplog.records if getattr(r, "actor_path", "") == "/pool/1"]
    assert [r.directive for r in reports] == ["stop (it cannot go on)"]  # type: ignore[attr-defined]
    assert "a fault as the leaver's drain begins" in reports[0].getMessage()
