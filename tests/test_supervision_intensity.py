"""Restart intensity: giving up, escalating, the sliding window, SupervisorGaveUp (API 3)."""

from __future__ import annotations

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
    Terminated,
)
from actorkit.testing import ManualClock, Probe, snapshot

from .supervision_support import specs


async def test_intensity_exceeded_gives_up_and_escalates(clock: ManualClock) -> None:
    journal: list[str] = []
    async with ActorSystem(clock=clock) as system:
        await system.spawn(
            Supervisor,
            specs(journal, "a", "b"),
            OneForOne(max_restarts=2, within=10.0),
            name="sup",
        )
        outer = system.lookup("/sup")
        assert outer is not None
        a = system.lookup("/sup/a")
        assert a is not None
        for _ in range(2):
            a.tell("crash")
            await a.ask("sync")
        journal.clear()
        a.tell("crash")  # third failure within the window: the supervisor gives up
        await clock.advance(0)
        # Children stopped in reverse order, then the root restarted the supervisor itself.
        assert journal == ["stop a", "stop b", "start a", "start b"]
        assert snapshot(outer).restarts == 1


async def test_intensity_window_slides(clock: ManualClock) -> None:
    journal: list[str] = []
    async with ActorSystem(clock=clock) as system:
        await system.spawn(
            Supervisor, specs(journal, "a"), OneForOne(max_restarts=1, within=1.0), name="sup"
        )
        outer = system.lookup("/sup")
        assert outer is not None
        for _ in range(5):
            a = system.lookup("/sup/a")
            assert a is not None
            a.tell("crash")
            await clock.advance(1.5)  # each failure falls outside the previous window
        assert snapshot(outer).restarts == 0


async def test_supervisor_gave_up_cause_and_terminated_reason(clock: ManualClock) -> None:
    async with ActorSystem(clock=clock) as system:
        probe = await Probe.spawn(system)
        error = RuntimeError("always")

        class Doomed(Actor):
            async def receive(self, message: Any) -> None:
                raise error

        class Parent(Actor):
            supervisor_strategy = OneForOne(max_restarts=0, decider={SupervisorGaveUp: "stop"})

            async def on_start(self) -> None:
                self.watch(
                    await self.spawn(
                        Supervisor,
                        [ChildSpec(Doomed, name="d")],
                        OneForOne(max_restarts=0),
                        name="inner",
                    )
                )

            async def receive(self, message: Any) -> None:
                probe.ref.tell(message)

        await system.spawn(Parent, name="p")
        inner = system.lookup("/p/inner")
        d = system.lookup("/p/inner/d")
        assert inner is not None and d is not None
        d.tell("boom")
        terminated = await probe.expect(Terminated)
        assert terminated.ref == inner
        assert isinstance(terminated.reason, SupervisorGaveUp)
        assert terminated.reason.__cause__ is error


async def test_escalation_past_root_fails_the_system(clock: ManualClock) -> None:
    class Doomed(Actor):
        async def receive(self, message: Any) -> None:
            raise RuntimeError("fatal")

    with pytest.raises(SystemFailed) as info:
        async with ActorSystem(clock=clock, supervisor=OneForOne(max_restarts=0)) as system:
            ref = await system.spawn(Doomed)
            ref.tell("x")
            await clock.advance(0)
            assert system.failure is not None
            assert not system.healthy
    assert isinstance(info.value.__cause__, SupervisorGaveUp)
    assert isinstance(info.value.__cause__.__cause__, RuntimeError)


async def test_a_restarted_supervisor_starts_with_fresh_intensity(clock: ManualClock) -> None:
    journal: list[str] = []
    async with ActorSystem(clock=clock, supervisor=OneForOne(max_restarts=10)) as system:
        await system.spawn(
            Supervisor, specs(journal, "a"), OneForOne(max_restarts=1, within=100.0), name="sup"
        )
        outer = system.lookup("/sup")
        assert outer is not None
        for expected_restarts in (1, 2):
            for _ in range(2):  # the second failure within the window makes /sup give up
                a = system.lookup("/sup/a")
                assert a is not None
                a.tell("crash")
                await clock.advance(0)
            assert snapshot(outer).restarts == expected_restarts
        a = system.lookup("/sup/a")
        assert a is not None
        a.tell("crash")  # one failure after a restart of /sup: tolerated by the new instance
        await clock.advance(0)
        assert snapshot(outer).restarts == 2
