"""The watchdog's report says where the actor held the loop: in a handler, or in its
`on_start`, `on_stop` or constructor, which a reader looks for in different places."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import pytest

from actorkit import Actor, ActorSystem

pytestmark = pytest.mark.usefixtures("collector_paused")  # they count blocks in real time

BLOCK = 0.3


def _hold() -> None:
    end = time.monotonic() + BLOCK  # holds the loop like a time.sleep would
    while time.monotonic() < end:
        pass


class InStart(Actor):
    async def on_start(self) -> None:
        _hold()


class InStop(Actor):
    async def on_stop(self) -> None:
        _hold()


class InInit(Actor):
    def __init__(self) -> None:
        _hold()


class InHandler(Actor):
    async def receive(self, message: Any) -> None:
        _hold()


@pytest.mark.parametrize(
    ("kind", "where"),
    [(InStart, "on_start"), (InStop, "on_stop"), (InInit, "__init__"), (InHandler, "handler")],
)
async def test_the_report_names_the_hook_that_held_the_loop(
    kind: type[Actor], where: str, caplog: pytest.LogCaptureFixture
) -> None:
    async with asyncio.timeout(10), ActorSystem(blocked_threshold=0.05) as system:
        ref = await system.spawn(kind, name="hog")
        await ref.ask("go")
        await ref.stop()
    reports = [r.getMessage() for r in caplog.records if "blocked the event loop" in r.getMessage()]
    assert len(reports) == 1
    assert f"/hog ({kind.__name__}) has blocked the event loop" in reports[0]
    assert f"in its {where};" in reports[0]
