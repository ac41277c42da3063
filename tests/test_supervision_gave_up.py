"""A supervisor that gave up is never resumed (OTP: one that reaches its restart intensity
terminates, always): it has stopped its children, and its restart history is full, so a
decider's "resume" restarts it instead, as a resume of an actor with no instance does."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from actorkit import Actor, ActorSystem, OneForOne, Supervisor, SupervisorGaveUp
from actorkit._errors import chain_began
from actorkit.testing import ManualClock, snapshot

from .supervision_support import specs


async def test_a_resume_of_a_supervisor_that_gave_up_restarts_it(
    clock: ManualClock, caplog: pytest.LogCaptureFixture
) -> None:
    journal: list[str] = []

    class Top(Actor):
        supervisor_strategy = OneForOne(decider={SupervisorGaveUp: "resume"})

        async def on_start(self) -> None:
            strategy = OneForOne(max_restarts=1, within=10.0)
            await self.spawn(Supervisor, specs(journal, "w"), strategy, name="s")

        async def receive(self, message: Any) -> None:
            return None

    async with ActorSystem(clock=clock) as system:
        await system.spawn(Top, name="top")
        inner = system.lookup("/top/s")
        assert inner is not None
        for _ in range(2):  # a restart, then a failure past the intensity: it gives up
            worker = system.lookup("/top/s/w")
            assert worker is not None
            worker.tell("crash")
            await clock.settle()
        assert journal == ["start w", "stop w", "start w", "stop w", "start w"]
        assert snapshot(inner).restarts == 1  # restarted, its child started from its spec
        worker = system.lookup("/top/s/w")
        assert worker is not None
        journal.clear()
        worker.tell("crash")  # a clean restart history: restarted, not given up on
        await clock.settle()
        assert journal == ["stop w", "start w"]
        assert snapshot(inner).restarts == 1
    decided = [
        getattr(record, "directive", None)
        for record in caplog.records
        if record.exc_info is not None and isinstance(record.exc_info[1], SupervisorGaveUp)
    ]
    assert decided == [
        "restart (a supervisor that gave up is not resumed: it stopped its children)"
    ]


async def gave_up_wording(clock: ManualClock, max_restarts: int, within: float) -> str:
    """The `SupervisorGaveUp` of a supervisor under `Top`, whose one child keeps failing."""
    journal: list[str] = []
    heard: list[BaseException | None] = []

    class Top(Actor):
        supervisor_strategy = OneForOne(decider={SupervisorGaveUp: "stop"})

        async def on_start(self) -> None:
            strategy = OneForOne(max_restarts=max_restarts, within=within)
            self.watch(await self.spawn(Supervisor, specs(journal, "w"), strategy, name="s"))

        async def receive(self, message: Any) -> None:
            heard.append(message.reason)

    async with ActorSystem(clock=clock) as system:
        await system.spawn(Top, name="top")
        while not heard:
            worker = system.lookup("/top/s/w")
            assert worker is not None
            worker.tell("crash")
            await clock.settle()
    [gave_up] = heard
    assert isinstance(gave_up, SupervisorGaveUp)
    return str(gave_up)


@pytest.mark.parametrize(
    ("max_restarts", "within", "limit"),
    [
        (0, 5.0, ", and its strategy allows no restart (max_restarts=0)"),
        (1, 10.0, " after the 1 restart of its children that its strategy allows within 10s "
         "(max_restarts=1, within=10.0)"),
        (3, 0.5, " after the 3 restarts of its children that its strategy allows within 0.5s "
         "(max_restarts=3, within=0.5)"),
    ],
)  # fmt: skip
async def test_the_give_up_names_the_limit_it_reached_and_how_to_raise_it(
    clock: ManualClock, max_restarts: int, within: float, limit: str
) -> None:
    """A longer `within` counts more restarts in its window, so it gives up sooner: the way
    to allow more restarts is more `max_restarts` or a shorter `within`, never a longer one."""
    said = await gave_up_wording(clock, max_restarts, within)
    assert said == (
        f"supervisor /top/s gave up: /top/s/w failed with RuntimeError('w crashed'){limit}; "
        "it stopped its children; fix the failing child, or allow more restarts: raise "
        "max_restarts or shorten within"
    )


async def test_a_pool_that_gave_up_is_restarted_with_its_members_not_resumed_without_them(
    clock: ManualClock,
) -> None:
    class Member(Actor):
        async def receive(self, message: Any) -> Any:
            if message == "crash":
                raise RuntimeError("member crashed")
            return message

    resume = OneForOne(decider={SupervisorGaveUp: "resume"})
    async with ActorSystem(clock=clock, supervisor=resume) as system:
        pool = await system.spawn_pool(Member, size=2, supervisor=OneForOne(max_restarts=0))
        pool.tell("crash")
        await clock.settle()
        assert [await pool.ask(n) for n in range(4)] == [0, 1, 2, 3]


async def test_the_give_up_quotes_at_most_500_characters_of_the_child_s_failure(
    clock: ManualClock,
) -> None:
    """Its `__cause__` holds the failure whole: the message that names it stays short
    however long the failure's own message is."""
    heard: list[BaseException | None] = []
    failure = ValueError("x" * 10_000)

    class Top(Actor):
        supervisor_strategy = OneForOne(decider={SupervisorGaveUp: "stop"})

        async def on_start(self) -> None:
            strategy = OneForOne(max_restarts=0)
            self.watch(await self.spawn(Supervisor, specs([], "w"), strategy, name="s"))

        async def receive(self, message: Any) -> None:
            heard.append(message.reason)

    async with asyncio.timeout(5), ActorSystem(clock=clock) as system:
        await system.spawn(Top, name="top")
        worker = system.lookup("/top/s/w")
        assert worker is not None
        worker.tell(failure)
        await clock.settle()
    [gave_up] = heard
    assert isinstance(gave_up, SupervisorGaveUp) and gave_up.__cause__ is failure
    said = str(gave_up)
    assert f"failed with ValueError('{'x' * 488}... (10,014 characters)," in said
    assert len(said) < 1_000


def test_the_chain_a_give_up_began_with_is_found_through_a_cycle_of_causes() -> None:
    """A cycle of `__cause__`s (set by hand) below the give-up ends the walk: it never loops."""
    top, upper, lower = (SupervisorGaveUp(name) for name in ("top", "upper", "lower"))
    top.__cause__, upper.__cause__, lower.__cause__ = upper, lower, upper
    assert chain_began(top) is lower
