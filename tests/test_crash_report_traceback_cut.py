"""A crash report written for an instance its supervisor's shutdown time cut
(`_cut` → `Record.undecided_failure`) shows the cut actor's own traceback, never the frames of
an asker that re-raised what it was answered, as a report decided in the supervisor's task
does (tests/test_crash_report_traceback.py). It cannot show them: the asker is answered with
an error of its own (`Cut.error()`, built again for the report), and a handler's failure after
the cut is reported at once in the actor's task, its asker already answered by the cut."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import traceback
from typing import Any

import pytest

from actorkit import ActorStopped, ActorSystem, OneForAll

from .supervision_cut_support import BOUND, Hanging, Swallowing, _hung, _pair

pytestmark = pytest.mark.timeout(30)


async def asker_frame_that_re_raises(ref: Any, caught: list[BaseException]) -> None:
    try:
        await ref.ask("hang", timeout=5.0)
    except ActorStopped as error:
        caught.append(error)
        with contextlib.suppress(ActorStopped):
            raise error  # its frames go on the error, as an asker's re-raise puts them


def report_of(caplog: pytest.LogCaptureFixture, actor_class: str) -> logging.LogRecord:
    (record,) = [
        record
        for record in caplog.records
        if record.name == "actorkit"
        and getattr(record, "actor_class", None) == actor_class
        and "cut by its supervisor" in record.getMessage()
    ]
    return record


@pytest.mark.parametrize("cls", [Hanging, Swallowing], ids=["unwound", "raised-after-cut"])
async def test_a_cut_instance_s_report_leaves_out_its_asker_s_frames(
    cls: type, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(Swallowing, "then", "raise")
    caplog.set_level(logging.ERROR, logger="actorkit")
    journal: list[str] = []
    caught: list[BaseException] = []
    async with asyncio.timeout(5), ActorSystem() as system:
        _sup, a, b = await _pair(system, journal, cls, OneForAll(shutdown=BOUND))
        asking = asyncio.create_task(asker_frame_that_re_raises(b, caught))
        await _hung(journal, "hangs b")
        a.tell("crash")  # one for all: b, hung, is cut as it restarts
        await asking
        assert await b.ask("handled") == 0  # restarted: the cut's report was written
    [asked] = caught
    assert "asker_frame_that_re_raises" in [
        f.name for f in traceback.extract_tb(asked.__traceback__)
    ]
    record = report_of(caplog, cls.__name__)
    assert record.exc_info is not None
    assert record.exc_info[1] is not asked
    names = [frame.name for frame in traceback.extract_tb(record.exc_info[2])]
    assert "asker_frame_that_re_raises" not in names
