"""Memory: a supervisor that stays busy (its mailbox never empties, so its receive loop never
parks) keeps nothing of a child whose failure it decided on: the report of that failure
holds the child and the failure (whose traceback holds the failed instance) only while it
is carried out."""

from __future__ import annotations

import contextlib
import gc
import logging
import weakref
from typing import Any

import pytest

from actorkit import Actor, ActorSystem, OneForOne


class Fails(Actor):
    async def receive(self, message: Any) -> Any:
        raise RuntimeError("crash on purpose")


class Busy(Actor):
    """Tells itself "spin" for each "spin" it handles, until "rest": never idle meanwhile."""

    supervisor_strategy = OneForOne(decider={RuntimeError: "stop"})

    def __init__(self) -> None:
        self.spinning = True

    async def receive(self, message: Any) -> Any:
        if message == "spawn":
            return await self.spawn(Fails)
        if message == "spin" and self.spinning:
            self.ref.tell("spin")
        elif message == "rest":
            self.spinning = False
        return None


async def test_a_busy_supervisor_keeps_no_child_it_stopped(
    caplog: pytest.LogCaptureFixture,
) -> None:
    # Captured crash reports hold their traceback, whose frames hold the instance.
    caplog.set_level(logging.CRITICAL, logger="actorkit")
    async with ActorSystem() as system:
        busy = await system.spawn(Busy)
        child = await busy.ask("spawn")
        busy.tell("spin")
        with contextlib.suppress(RuntimeError):
            await child.ask("boom")  # its report is queued at `busy` once this raises
        assert await busy.ask("ping") is None  # the report was carried out first
        assert not child.is_alive
        gone = weakref.ref(child)  # the cell holds its ref: both go together
        del child
        gc.collect()
        assert gone() is None, [type(r).__name__ for r in gc.get_referrers(gone())]
        await busy.ask("rest")
