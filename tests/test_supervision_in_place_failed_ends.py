"""The failed child stopped for good in place by its supervisor (`_supervise._stop_failed`:
a "stop" or "escalate" decision, parked after its failure with no children and no
`on_stop`): everything its stop in its own task ended ends too (API 3, 4, 5). Its timers
and the system's timers to it fire no more, its subscriptions and its watches go, and its
watchers hear its failure once."""

from __future__ import annotations

import asyncio
from typing import Any, Literal

import pytest

from actorkit import Actor, ActorRef, ActorSystem, ChildSpec, OneForOne, Supervisor, Terminated
from actorkit.testing import ManualClock, Probe

from .invariants import assert_settled
from .otp_conformance_support import Watcher
from .test_supervision_in_place_failed import calls as calls

BOUND = 10.0


class Busy(Actor):
    """Arms a timer, subscribes and watches on "arm"; journals each tick; "crash" fails it."""

    def __init__(self, journal: list[str]) -> None:
        self.journal = journal

    async def receive(self, message: Any) -> Any:
        if isinstance(message, ActorRef):
            self.timers.start_every("own", "own tick", 1.0)
            self.subscribe("news.>")
            self.watch(message)
            return "armed"
        if message == "crash":
            raise RuntimeError("crashed")
        self.journal.append(str(message))
        return None


class Quiet(Actor):
    async def receive(self, message: Any) -> Any:
        return message


@pytest.mark.parametrize("decision", ["stop", "escalate"])
async def test_what_the_failed_child_held_ends_with_its_stop_in_place(
    decision: Literal["stop", "escalate"], clock: ManualClock, calls: list[str]
) -> None:
    journal: list[str] = []
    strategy = OneForOne(decider={RuntimeError: decision})
    root = OneForOne(max_restarts=10)
    async with asyncio.timeout(BOUND), ActorSystem(clock=clock, supervisor=root) as system:
        probe = await Probe.spawn(system)
        watcher = await system.spawn(Watcher, probe.ref)
        watched = await system.spawn(Quiet, name="watched")
        await system.spawn(Supervisor, [ChildSpec(Busy, journal, name="b")], strategy, name="sup")
        busy = system.lookup("/sup/b")
        assert busy is not None
        await watcher.ask(busy)
        assert await busy.ask(watched) == "armed"
        system.schedule_every(1.0, busy, "system tick")
        await clock.advance(1.0)
        assert sorted(journal) == ["own tick", "system tick"]
        journal.clear()
        busy.tell("crash")
        ended = await probe.expect(Terminated)
        assert (ended.ref, type(ended.reason)) == (busy, RuntimeError)
        await clock.advance(3.0)
        assert system.publish("news.today", "paper") == 0
        await watched.stop()
        await clock.settle()
        assert journal == []
        assert [call for call in calls if call.startswith("b ")] == []  # in place
        assert system.dead_letters.by_reason == {"no_subscribers": 1}
        probe.expect_empty()
        await assert_settled(system)
