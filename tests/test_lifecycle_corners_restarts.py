"""An actor mid-restart: a failed instance, children and timers of its `on_stop`, escalations."""

from __future__ import annotations

import asyncio
import itertools
from typing import Any

import pytest

from actorkit import Actor, ActorStopped, ActorSystem, Backoff, Directive, OneForOne
from actorkit.testing import ManualClock, Probe


class Flaky(Actor):
    """Its second instance's `on_start` fails; logs what runs on which instance."""

    def __init__(self, log: list[str], numbers: itertools.count[int]) -> None:
        self.log = log
        self.number = next(numbers)
        self.ready = False

    async def on_start(self) -> None:
        if self.number == 1:
            raise ValueError("on_start of the restarted instance failed")
        self.ready = True

    async def receive(self, message: Any) -> Any:
        if message == "boom":
            raise KeyError("boom")
        return self.number, self.ready

    async def on_stop(self) -> None:
        self.log.append(f"on_stop {self.number}")


@pytest.mark.parametrize("directive", ["restart", "resume"])
async def test_an_instance_whose_on_start_failed_in_a_restart_is_never_stopped_or_resumed(
    directive: Directive,
) -> None:
    log: list[str] = []

    class Parent(Actor):
        supervisor_strategy = OneForOne(decider={ValueError: directive})

        async def receive(self, message: Any) -> Any:
            return await self.spawn(Flaky, log, itertools.count(), name="flaky")

    async with asyncio.timeout(10), ActorSystem(metrics=False) as system:
        parent = await system.spawn(Parent)
        child = await parent.ask("spawn")
        child.tell("boom")
        # Instance 1 failed in `on_start`; whatever the directive, instance 2 answers.
        assert await child.ask("state") == (2, True)
    assert log == ["on_stop 0", "on_stop 2"]


async def test_a_child_spawned_in_on_stop_during_a_restart_is_refused() -> None:
    refused: list[BaseException] = []

    class Helper(Actor):
        async def receive(self, message: Any) -> None:
            pass

    class Worker(Actor):
        async def receive(self, message: Any) -> Any:
            if message == "boom":
                raise ValueError("boom")
            return self.children

        async def on_stop(self) -> None:
            try:
                await self.spawn(Helper, name="flusher")
            except ActorStopped as error:
                refused.append(error)

    async with asyncio.timeout(10), ActorSystem(metrics=False) as system:
        worker = await system.spawn(Worker, name="w")
        worker.tell("boom")
        assert await worker.ask("children") == []
        assert system.lookup("/w/flusher") is None
        assert len(refused) == 1 and "restarting" in str(refused[0])


async def test_a_timer_started_in_on_stop_during_a_restart_ends_with_its_instance(
    clock: ManualClock,
) -> None:
    numbers = itertools.count()

    class Ticking(Actor):
        def __init__(self, probe: Probe) -> None:
            self.probe = probe
            self.number = next(numbers)

        async def receive(self, message: Any) -> None:
            if message == "boom":
                raise ValueError("boom")
            self.probe.ref.tell((self.number, message))

        async def on_stop(self) -> None:
            self.timers.start_every("retry", "tick", 1.0)

    async with asyncio.timeout(10), ActorSystem(metrics=False, clock=clock) as system:
        probe = await Probe.spawn(system)
        ticking = await system.spawn(Ticking, probe)
        ticking.tell("boom")
        ticking.tell("after")
        assert await probe.receive() == (1, "after")
        await clock.advance(3.0)
        ticking.tell("sync")
        assert await probe.receive() == (1, "sync")
        probe.expect_empty()


@pytest.mark.parametrize(
    "strategy",
    [
        # One restart allowed, after a backoff: counting the middle's failure twice gives up.
        OneForOne(max_restarts=1, within=60.0, backoff=Backoff(min=1.0, max=1.0, jitter=0.0)),
        # Its own failure resumed: the escalated KeyError still restarts it (the default).
        OneForOne(decider={ValueError: "resume"}),
    ],
    ids=["restart-with-backoff", "own-failure-resumed"],
)
async def test_an_escalation_reaching_a_suspended_actor_is_one_failure_neither_lost_nor_doubled(
    clock: ManualClock, strategy: OneForOne
) -> None:
    child_failing = asyncio.Event()
    starts: list[str] = []

    class Child(Actor):
        async def receive(self, message: Any) -> None:
            child_failing.set()
            raise KeyError("the child fails")

    class Middle(Actor):
        supervisor_strategy = OneForOne(decider={KeyError: "escalate"})

        async def on_start(self) -> None:
            starts.append("middle")
            await self.spawn(Child, name="child")

        async def receive(self, message: Any) -> Any:
            if message == "go":
                self.children[0].tell("boom")
                await child_failing.wait()  # the child's escalation is queued for this actor
                raise ValueError("the middle fails too")
            return [child.name for child in self.children]

    class Top(Actor):
        supervisor_strategy = strategy

        async def receive(self, message: Any) -> Any:
            return await self.spawn(Middle, name="middle")

    async with asyncio.timeout(10), ActorSystem(metrics=False, clock=clock) as system:
        top = await system.spawn(Top, name="top")
        middle = await top.ask("spawn")
        middle.tell("go")
        await clock.settle()
        await clock.advance(1.0)  # the backoff, where there is one
        assert await middle.ask("children") == ["child"]
        assert starts == ["middle", "middle"]
        assert system.failure is None and top.is_alive
