"""Deciders: resume, stop, escalate, and the most specific exception class wins (API 3)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from actorkit import Actor, ActorSystem, OneForOne
from actorkit.testing import snapshot

from .supervision_support import Worker


async def test_decider_resume_keeps_state_and_does_not_count_toward_intensity() -> None:
    journal: list[str] = []

    class Parent(Actor):
        supervisor_strategy = OneForOne(max_restarts=0, decider={ValueError: "resume"})

        async def on_start(self) -> None:
            await self.spawn(Worker, journal, "w", name="w")

        async def receive(self, message: Any) -> None:
            return None

    async with ActorSystem() as system:
        await system.spawn(Parent, name="p")
        w = system.lookup("/p/w")
        assert w is not None
        w.tell(1)
        for _ in range(5):
            w.tell(ValueError("tolerated"))
        w.tell(2)
        assert await w.ask("handled") == 2  # state survived five failures
        assert journal == ["start w"]
        assert snapshot(w).failures == 5


async def test_decider_most_specific_class_wins() -> None:
    class Special(ValueError):
        pass

    strategy = OneForOne(decider={Exception: "stop", ValueError: "resume", Special: "restart"})
    assert strategy.directive(Special()) == "restart"
    assert strategy.directive(ValueError()) == "resume"
    assert strategy.directive(KeyError()) == "stop"
    assert OneForOne().directive(KeyError()) == "restart"
    assert OneForOne(decider=lambda e: "escalate").directive(KeyError()) == "escalate"


async def test_decider_stop_stops_the_child_for_good() -> None:
    journal: list[str] = []

    class Parent(Actor):
        supervisor_strategy = OneForOne(decider={KeyError: "stop"})

        async def on_start(self) -> None:
            await self.spawn(Worker, journal, "w", name="w")

    async with ActorSystem() as system:
        await system.spawn(Parent, name="p")
        w = system.lookup("/p/w")
        assert w is not None
        with pytest.raises(KeyError):
            await w.ask(KeyError("fatal"))
        await system.ask("/p", "sync")
        assert not w.is_alive
        assert journal == ["start w", "stop w"]


def _broken(error: BaseException) -> None:
    raise LookupError("decider bug")


@pytest.mark.parametrize(
    "decider",
    [
        pytest.param({KeyError: "escalate"}, id="escalate"),
        pytest.param(_broken, id="a_decider_that_raises_escalates"),
    ],
)
async def test_decider_escalate_fails_the_parent_which_is_restarted(decider: Any) -> None:
    """A decider's own bug decides nothing: the supervisor escalates, as if its decider had
    said "escalate", so the failure reaches a supervisor that can act (here: restarts it)."""
    journal: list[str] = []

    class Parent(Actor):
        supervisor_strategy = OneForOne(decider=decider)

        async def on_start(self) -> None:
            journal.append("start parent")
            await self.spawn(Worker, journal, "w", name="w")

    async with ActorSystem() as system:
        parent = await system.spawn(Parent, name="p")
        w = system.lookup("/p/w")
        assert w is not None
        w.tell(KeyError("up"))
        await parent.ask("sync")  # processed after the parent's restart
        assert journal == ["start parent", "start w", "stop w", "start parent", "start w"]
        assert snapshot(parent).restarts == 1


class Abort(BaseException):
    """Not an `Exception`: a failure all the same (`_failure`)."""


def _aborting(error: BaseException) -> None:
    raise Abort("decider bug")


@pytest.mark.parametrize("decider", [_broken, _aborting], ids=["exception", "base_exception"])
async def test_a_decider_that_raises_still_logs_the_child_s_failure_once(
    decider: Any, caplog: pytest.LogCaptureFixture
) -> None:
    """Whatever the decider raised, the child's own failure is logged and counted once,
    decided as an escalation, and the decider's error is logged as its own."""

    class Parent(Actor):
        supervisor_strategy = OneForOne(decider=decider)

        async def on_start(self) -> None:
            await self.spawn(Worker, [], "w", name="w")

    async with asyncio.timeout(5), ActorSystem() as system:
        parent = await system.spawn(Parent, name="p")
        w = system.lookup("/p/w")
        assert w is not None
        w.tell(KeyError("up"))
        await parent.ask("sync")  # processed after the parent's restart
        assert snapshot(parent).restarts == 1
    reports = [r.getMessage() for r in caplog.records if r.getMessage().startswith("actor /p/w")]
    assert len(reports) == 1
    assert reports[0].endswith("supervisor decided: escalate")
    assert "decider of /p failed" in caplog.text


class Exit(BaseException):
    """Not an `Exception`, nor an exit: a failure its supervisor is handed as it is."""


class Raiser(Actor):
    async def receive(self, message: Any) -> Any:
        if isinstance(message, BaseException):
            raise message
        return message


async def test_a_decider_keyed_by_a_base_exception_its_supervisor_is_handed_decides_it() -> None:
    """`GeneratorExit`, and a `BaseException` of the program's own, reach the supervisor as
    they are (`_failure`): keys for them are taken, unlike those no failure matches."""

    class Parent(Actor):
        supervisor_strategy = OneForOne(decider={GeneratorExit: "resume", Exit: "stop"})

        async def on_start(self) -> None:
            await self.spawn(Raiser, name="r")

    async with asyncio.timeout(5), ActorSystem() as system:
        await system.spawn(Parent, name="p")
        raiser = system.lookup("/p/r")
        assert raiser is not None
        raiser.tell(GeneratorExit())
        assert await raiser.ask("resumed") == "resumed"
        assert snapshot(raiser).failures == 1
        with pytest.raises(Exit):
            await raiser.ask(Exit())
        await system.ask("/p", "sync")
        assert not raiser.is_alive
