"""A crash report says what failed. A failure with no message (an `on_start` that failed in a
restart, a supervisor that escalated a child's failure or gave up) read "failed handling
NoneType", as if a `None` message had been handled; a real `None` message still does."""

from __future__ import annotations

import logging
from typing import Any, ClassVar

import pytest

from actorkit import Actor, ActorSystem, OneForOne

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
