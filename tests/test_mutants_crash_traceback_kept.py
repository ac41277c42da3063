"""A mutation review of crash reports keeping the traceback taken when the actor failed: the
reports written where no supervisor decides (a supervisor stopping, an actor that stopped
itself, a handler raising after a forced stop cut into it) show the failing handler's frames,
and not those of an asker that re-raised the error before the report was written."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import traceback
from typing import Any

import pytest

from actorkit import Actor, ActorStopped, ActorSystem

from .test_callbacks import Swallower

pytestmark = pytest.mark.timeout(30)


def functions_in(record: logging.LogRecord) -> list[str]:
    assert record.exc_info is not None
    return [frame.name for frame in traceback.extract_tb(record.exc_info[2])]


def report_at(caplog: pytest.LogCaptureFixture, path: str) -> logging.LogRecord:
    (record,) = [r for r in caplog.records if getattr(r, "actor_path", None) == path]
    return record


class Failing(Actor):
    async def receive(self, message: Any) -> Any:
        raise ValueError("failed on purpose")


class BusyParent(Actor):
    """Handles one message until released, so a child's failure waits for it in its mailbox."""

    def __init__(self, busy: asyncio.Event, release: asyncio.Event) -> None:
        self.busy, self.release = busy, release

    async def on_start(self) -> None:
        await self.spawn(Failing, name="child")

    async def receive(self, message: Any) -> Any:
        self.busy.set()
        await self.release.wait()


async def asker_frame_that_re_raises(ref: Any) -> None:
    with contextlib.suppress(ValueError):
        await ref.ask("fail", timeout=5.0)


async def test_a_stale_report_leaves_out_the_asker_s_frames(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.ERROR, logger="actorkit")
    busy, release = asyncio.Event(), asyncio.Event()
    async with asyncio.timeout(10):
        system = await ActorSystem("kept").start()
        parent = await system.spawn(BusyParent, busy, release, name="parent")
        parent.tell("work")
        await busy.wait()
        child = system.lookup("/parent/child")
        assert child is not None
        await asker_frame_that_re_raises(child)  # the report waits behind the parent's work
        await child.stop()  # the report is stale when the parent reads it: no decision
        release.set()
        await system.shutdown()
    record = report_at(caplog, "/parent/child")
    assert record.directive == "none (stopped or restarted already)"  # type: ignore[attr-defined]
    assert "asker_frame_that_re_raises" not in functions_in(record)
    assert functions_in(record)[-1] == "receive"


class StopsThenFails(Actor):
    async def receive(self, message: Any) -> Any:
        self.stop()
        raise ValueError("failed after asking to stop")


async def test_the_report_of_an_actor_that_stopped_itself_shows_where_it_failed(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.ERROR, logger="actorkit")
    async with asyncio.timeout(10), ActorSystem("kept") as system:
        ref = await system.spawn(StopsThenFails, name="quits", restart="transient")
        with pytest.raises(ValueError, match="after asking to stop"):
            await ref.ask("go", timeout=5.0)
    record = report_at(caplog, "/quits")
    assert record.directive == "stop (it stopped itself)"  # type: ignore[attr-defined]
    assert functions_in(record)[-1] == "receive"


async def test_the_report_of_a_handler_raising_after_a_forced_stop_shows_where_it_raised(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.ERROR, logger="actorkit")
    entered = asyncio.Event()
    async with asyncio.timeout(10):
        system = await ActorSystem("kept").start()
        ref = await system.spawn(Swallower, entered, name="cut")
        asked = asyncio.ensure_future(ref.ask("raise", timeout=5.0))
        await entered.wait()
        await system.shutdown(timeout=0.05)
        with pytest.raises(ActorStopped):
            await asked
    record = report_at(caplog, "/cut")
    assert record.directive == "none (already stopped)"  # type: ignore[attr-defined]
    assert functions_in(record)[-1] == "receive"
