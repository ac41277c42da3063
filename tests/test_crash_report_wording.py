"""A crash report says what failed. A failure with no message (an `on_start` that failed in a
restart, a supervisor that escalated a child's failure or gave up) read "failed handling
NoneType", as if a `None` message had been handled; a real `None` message still does."""

from __future__ import annotations

import logging
from typing import Any, ClassVar

import pytest

from actorkit import Actor, ActorSystem, OneForOne
from actorkit.testing import snapshot

pytestmark = pytest.mark.timeout(30)


def reports(caplog: pytest.LogCaptureFixture, actor_class: str) -> list[logging.LogRecord]:
    return [
        record
        for record in caplog.records
        if record.name == "actorkit" and getattr(record, "actor_class", None) == actor_class
    ]


class Crasher(Actor):
    async def receive(self, message: Any) -> Any:
        if message in (None, "crash"):
            raise ValueError("crash on purpose")
        return message


class FailsOnRestart(Actor):
    fail_next_start: ClassVar[bool] = False

    async def on_start(self) -> None:
        if FailsOnRestart.fail_next_start:
            FailsOnRestart.fail_next_start = False
            raise RuntimeError("on_start failed on purpose")

    async def receive(self, message: Any) -> Any:
        if message == "crash":
            FailsOnRestart.fail_next_start = True
            raise ValueError("crash on purpose")
        return message


class Escalating(Actor):
    supervisor_strategy = OneForOne(decider={ValueError: "escalate"})

    async def on_start(self) -> None:
        await self.spawn(Crasher, name="child")

    async def receive(self, message: Any) -> Any:
        return message


class GivingUp(Actor):
    supervisor_strategy = OneForOne(max_restarts=0)

    async def on_start(self) -> None:
        await self.spawn(Crasher, name="child")

    async def receive(self, message: Any) -> Any:
        return message


async def test_a_real_none_message_still_reads_as_handling_nonetype(
    caplog: pytest.LogCaptureFixture,
) -> None:
    async with ActorSystem() as system:
        ref = await system.spawn(Crasher, name="c")
        with pytest.raises(ValueError):
            await ref.ask(None)
        assert await ref.ask("ping") == "ping"  # restarted: the report is written
    [record] = reports(caplog, "Crasher")
    assert "/c (Crasher) failed handling NoneType: ValueError(" in record.getMessage()
    assert record.message_type == "NoneType"  # type: ignore[attr-defined]


async def test_an_on_start_that_fails_in_a_restart_is_reported_as_such(
    caplog: pytest.LogCaptureFixture,
) -> None:
    async with ActorSystem() as system:
        ref = await system.spawn(FailsOnRestart, name="f")
        with pytest.raises(ValueError):
            await ref.ask("crash")
        assert await ref.ask("ping") == "ping"  # restarted twice: both reports written
    handled, started = reports(caplog, "FailsOnRestart")
    assert "failed handling str" in handled.getMessage()
    text = started.getMessage()
    assert "/f (FailsOnRestart) failed in on_start: RuntimeError(" in text, text
    assert "NoneType" not in text
    assert started.message_type is None  # type: ignore[attr-defined]
    assert started.directive == "restart"  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("supervisor", "name", "said"),
    [
        (Escalating, "e", "escalated a child's failure: ValueError("),
        (GivingUp, "g", "gave up: SupervisorGaveUp("),
    ],
    ids=["escalation", "gave-up"],
)
async def test_a_supervisor_failing_for_its_child_is_reported_as_what_it_did(
    supervisor: type[Actor], name: str, said: str, caplog: pytest.LogCaptureFixture
) -> None:
    async with ActorSystem() as system:
        parent = await system.spawn(supervisor, name=name)
        child = system.lookup(f"/{name}/child")
        assert child is not None
        with pytest.raises(ValueError):
            await child.ask("crash")
        assert await parent.ask("ping") == "ping"  # restarted by the root: reported
    [record] = reports(caplog, supervisor.__name__)
    text = record.getMessage()
    assert f"/{name} ({supervisor.__name__}) {said}" in text, text
    assert "NoneType" not in text
    assert record.message_type is None  # type: ignore[attr-defined]


class Counted(ValueError):
    """Counts the times its `repr` is taken: a crash report quotes it."""

    shown = 0

    def __repr__(self) -> str:
        Counted.shown += 1
        return "Counted()"


class CountedCrasher(Actor):
    async def receive(self, message: Any) -> Any:
        if message == "crash":
            raise Counted
        return message


@pytest.mark.parametrize("level", [logging.ERROR, logging.CRITICAL])
async def test_a_report_is_built_only_for_a_logger_that_takes_it(
    caplog: pytest.LogCaptureFixture, level: int
) -> None:
    """Under a logger that drops errors, nothing of the report is built (the failure's `repr`
    taken, its fields gathered): as `logger.error` would drop it, only sooner. Counted all
    the same (`actorkit_actor_failures_total`)."""
    Counted.shown = 0
    caplog.set_level(level, logger="actorkit")
    async with ActorSystem() as system:
        ref = await system.spawn(CountedCrasher, name="c")
        with pytest.raises(Counted):
            await ref.ask("crash")
        assert await ref.ask("ping") == "ping"  # restarted: the report is written
        assert snapshot(ref).failures == 1
    logged = reports(caplog, "CountedCrasher")
    assert (len(logged), Counted.shown > 0) == ((1, True) if level == logging.ERROR else (0, False))
