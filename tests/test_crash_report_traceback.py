"""A crash report's traceback is the failing actor's own. The asker gets the same exception
object and re-raises it in its task before the supervisor (in the parent's task) logs the
report; each frame that re-raise passes through is added to the error's `__traceback__`, so
the report used to print the asker's frames (an HTTP handler, another actor's handler) above
the actor's, reading as if the failure had happened there."""

from __future__ import annotations

import contextlib
import logging
import traceback
from typing import Any

import pytest

from actorkit import Actor, ActorSystem

pytestmark = pytest.mark.timeout(30)


class Failing(Actor):
    async def receive(self, message: Any) -> Any:
        if message == "fail":
            raise ValueError("failed on purpose")
        return message


class Forwarder(Actor):
    """Asks `Failing` from inside its own handler, as an order actor asks a pricing pool."""

    def __init__(self, target: Any) -> None:
        self.target = target

    async def receive(self, message: Any) -> Any:
        return await self.target.ask(message, timeout=5.0)


async def asker_frame_outside_any_actor(ref: Any) -> None:
    with contextlib.suppress(ValueError):
        await ref.ask("fail", timeout=5.0)


def report_of(caplog: pytest.LogCaptureFixture, actor_class: str) -> logging.LogRecord:
    (record,) = [
        record
        for record in caplog.records
        if record.name == "actorkit" and getattr(record, "actor_class", None) == actor_class
    ]
    return record


def functions_in(record: logging.LogRecord) -> list[str]:
    assert record.exc_info is not None
    return [frame.name for frame in traceback.extract_tb(record.exc_info[2])]


async def test_the_report_leaves_out_the_frames_of_an_asker_that_re_raised_it(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.ERROR, logger="actorkit")
    async with ActorSystem("trace") as system:
        ref = await system.spawn(Failing, name="failing")
        await asker_frame_outside_any_actor(ref)
        assert await ref.ask("after", timeout=5.0) == "after"  # the supervisor has decided
    record = report_of(caplog, "Failing")
    assert "asker_frame_outside_any_actor" not in functions_in(record)
    assert "asker_frame_outside_any_actor" not in caplog.text
    assert functions_in(record)[-1] == "receive"


async def test_an_asking_actor_s_frames_stay_out_of_the_failing_actor_s_report(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.ERROR, logger="actorkit")
    async with ActorSystem("trace") as system:
        failing = await system.spawn(Failing, name="failing")
        forwarder = await system.spawn(Forwarder, failing, name="forwarder")
        with pytest.raises(ValueError, match="failed on purpose"):
            await forwarder.ask("fail", timeout=5.0)
        assert await failing.ask("after", timeout=5.0) == "after"
        assert await forwarder.ask("after", timeout=5.0) == "after"
    failing_report = report_of(caplog, "Failing")
    assert "Forwarder" not in str(functions_in(failing_report))
    assert functions_in(failing_report).count("receive") == 1
    # the asker's own report still shows where it awaited the failed ask, and the cause below
    forwarder_report = report_of(caplog, "Forwarder")
    assert functions_in(forwarder_report).count("receive") == 2
