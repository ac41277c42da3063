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
import traceback
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


async def test_a_chain_two_supervisors_deep_shows_the_failure_as_it_left_its_actor(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The outer `SupervisorGaveUp` keeps the traceback the chain's first failure left its
    actor with, not the one the inner supervisor's giving up left it with; and the log, once
    written, leaves the asker's failure with the traceback the asker holds."""
    caplog.set_level(logging.ERROR, logger="actorkit")
    caplog.handler.setFormatter(logging.Formatter("ERROR %(message)s"))
    held: list[BaseException] = []
    async with asyncio.timeout(10):
        with pytest.raises(SystemFailed):
            async with ActorSystem(
                "chain2", supervisor=OneForOne(decider=lambda error: "escalate")
            ) as system:
                inner = ChildSpec(
                    Supervisor,
                    [ChildSpec(Failing, name="child")],
                    OneForOne(max_restarts=0),
                    name="inner",
                )
                await system.spawn(
                    Supervisor,
                    [inner],
                    OneForOne(max_restarts=0),
                    name="outer",
                )
                child = system.lookup("/outer/inner/child")
                assert child is not None
                try:
                    await asker_frame_that_re_raises_it(child)
                except ValueError as error:
                    held.append(error)
                await system.wait_stopped()
    texts = reports(caplog)
    assert "in receive\n" in texts["actor system"], texts["actor system"]
    assert "asker_frame_that_re_raises" not in texts["actor system"]
    frames = traceback.extract_tb(held[0].__traceback__)
    assert any(frame.name == "asker_frame_that_re_raises_it" for frame in frames)


async def asker_frame_that_re_raises_it(ref: Any) -> None:
    await ref.ask("fail", timeout=5.0)
