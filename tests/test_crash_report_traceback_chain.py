"""The reports written above a failing actor, once its asker re-raised the failure: its
supervisor's escalation of it, its supervisor giving up on it (the failure is then the
`SupervisorGaveUp`'s `__cause__`), and the system failing of either. Each frame the asker's
re-raise passes through is added to the failure's `__traceback__`, and those reports, written
after the asker woke, printed the asker's frames above the actor's, as if it had failed there
(tests/test_crash_report_traceback.py pins the failing actor's own report)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

import pytest

from actorkit import (
    Actor,
    ActorSystem,
    ChildSpec,
    OneForOne,
    Supervisor,
    SupervisorGaveUp,
    SystemFailed,
)

pytestmark = pytest.mark.timeout(30)


class Failing(Actor):
    async def receive(self, message: Any) -> Any:
        raise ValueError("failed on purpose")


async def asker_frame_that_re_raises(ref: Any) -> None:
    with contextlib.suppress(ValueError):
        await ref.ask("fail", timeout=5.0)


def reports(caplog: pytest.LogCaptureFixture) -> dict[str, str]:
    """Each record's text as the log printed it when it was written, traceback and chain
    included, by its first words: `actor /sup` for the supervisor's report, `actor system`
    for the system's (the handler's format puts `ERROR` before each record)."""
    texts = caplog.text.removeprefix("ERROR ").split("\nERROR ")
    return {" ".join(text.split()[:2]): text for text in texts}


@pytest.mark.parametrize(
    ("decider", "restarts", "says"),
    [(lambda error: "escalate", 3, "escalated"), (None, 0, "gave up")],
    ids=["escalated", "gave_up"],
)
async def test_the_reports_above_the_actor_leave_out_the_frames_of_its_asker(
    caplog: pytest.LogCaptureFixture, decider: Any, restarts: int, says: str
) -> None:
    caplog.set_level(logging.ERROR, logger="actorkit")
    caplog.handler.setFormatter(logging.Formatter("ERROR %(message)s"))
    async with asyncio.timeout(10):
        with pytest.raises(SystemFailed):
            async with ActorSystem(
                "chain", supervisor=OneForOne(decider=lambda error: "escalate")
            ) as system:
                await system.spawn(
                    Supervisor,
                    [ChildSpec(Failing, name="child")],
                    OneForOne(max_restarts=restarts, decider=decider),
                    name="sup",
                )
                child = system.lookup("/sup/child")
                assert child is not None
                await asker_frame_that_re_raises(child)  # before the reports above it
                await system.wait_stopped()
        if says == "gave up":
            assert isinstance(system.failure, SupervisorGaveUp)
    texts = reports(caplog)
    assert set(texts) == {"actor /sup/child", "actor /sup", "actor system"}
    assert says in texts["actor /sup"]
    for text in texts.values():
        assert "asker_frame_that_re_raises" not in text, text
        assert "in receive\n" in text, text
