"""A handler that blocks the event loop is reported by name (not silently tolerated)."""

from __future__ import annotations

import time
from typing import Any

import pytest
from prometheus_client import generate_latest

from actorkit import Actor, ActorSystem


class Hog(Actor):
    async def receive(self, message: Any) -> Any:
        end = time.monotonic() + message  # holds the loop like a time.sleep would
        while time.monotonic() < end:
            pass
        return "done"


async def test_blocking_handler_is_reported_with_its_path(
    caplog: pytest.LogCaptureFixture,
) -> None:
    async with ActorSystem(blocked_threshold=0.05) as system:
        hog = await system.spawn(Hog, name="hog")
        assert await hog.ask(0.3) == "done"
        text = generate_latest(system.metrics.registry).decode()
    warnings = [r for r in caplog.records if "blocked the event loop" in r.getMessage()]
    assert len(warnings) == 1  # one report per blocking episode
    assert warnings[0].actor_path == "/hog"  # type: ignore[attr-defined]
    assert 'actorkit_event_loop_blocked_total{actor_type="Hog"} 1.0' in text


async def test_quick_handlers_are_not_reported(caplog: pytest.LogCaptureFixture) -> None:
    async with ActorSystem(blocked_threshold=0.5) as system:
        hog = await system.spawn(Hog)
        for _ in range(10):
            await hog.ask(0.001)
    assert "blocked the event loop" not in caplog.text


def test_threshold_must_be_positive() -> None:
    with pytest.raises(ValueError, match="blocked_threshold"):
        ActorSystem(blocked_threshold=0)
