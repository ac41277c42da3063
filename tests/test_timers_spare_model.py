"""An actor's own timers against a reference model, with what the model of
`test_timers_started_again_model` leaves out: ticks left queued behind a handler in progress,
`cancel_all`, restarts, and compactions at any cancel. The queue's count of live entries
(`len`) stays the count of live timers throughout."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any
from unittest import mock

from hypothesis import given, settings
from hypothesis import strategies as st

from actorkit import Actor, ActorSystem, _timers
from actorkit.testing import ManualClock, instance, pending_timers

from .test_timers_started_again_model import Model as AgainModel
from .test_timers_started_again_model import Timer as AgainTimer

KEYS = ("a", "b", "c")
DELAYS = (0.0, 0.25, 0.5, 1.0, 1.5)
INTERVALS = (0.25, 0.5, 1.0)
STEPS = (0.0, 0.25, 0.5, 0.75, 1.0, 2.0)


class Boom(Exception):
    pass


class Noting(Actor):
    release: asyncio.Event | None = None

    def __init__(self, clock: ManualClock, seen: list[tuple[float, Any]]) -> None:
        self.clock = clock
        self.seen = seen

    async def receive(self, message: Any) -> None:
        if message == "hold":
            assert self.release is not None
            await self.release.wait()
        elif message == "boom":
            raise Boom
        else:
            self.seen.append((self.clock.now(), message))


@dataclass
class Timer(AgainTimer):
    """`AgainTimer` under its key, which `end` withdraws its queued ticks by (None: the
    system's)."""

    key: str | None


@dataclass
class Model(AgainModel):
    """`AgainModel`, its ticks queued behind a handler that may be held, under their keys."""

    held: bool = False
    mailbox: list[tuple[str | None, Any]] = field(default_factory=list)

    def timer(
        self, message: Any, delay: float, interval: float | None, key: str | None = None
    ) -> Timer:
        self.seq += 1
        return Timer(message, self.now + delay, self.seq, interval, key)

    def end(self, key: str) -> bool:
        """End the timer with this key and withdraw its queued ticks: whether there was either."""
        queued = [entry for entry in self.mailbox if entry[0] == key]
        self.mailbox = [entry for entry in self.mailbox if entry[0] != key]
        return self.own.pop(key, None) is not None or bool(queued)

    def active(self, key: str) -> bool:
        """Pending, or a tick of it still queued (Akka's `isTimerActive`)."""
        return key in self.own or any(entry[0] == key for entry in self.mailbox)

    def deliver(self) -> None:
        if not self.held:
            self.seen.extend((self.now, message) for _, message in self.mailbox)
            self.mailbox.clear()

    def fired(self, timer: Any) -> None:
        self.mailbox.append((timer.key, timer.message))
        self.deliver()


operations = st.lists(
    st.one_of(
        st.tuples(st.just("once"), st.sampled_from(KEYS), st.sampled_from(DELAYS)),
        st.tuples(st.just("every"), st.sampled_from(KEYS), st.sampled_from(INTERVALS)),
        st.tuples(st.just("cancel"), st.sampled_from(KEYS), st.just(0.0)),
        st.tuples(st.just("cancel"), st.sampled_from(KEYS), st.just(0.0)),
        st.tuples(st.just("system"), st.just(""), st.sampled_from(DELAYS)),
        st.tuples(st.just("advance"), st.just(""), st.sampled_from(STEPS)),
        st.tuples(st.just("hold"), st.just(""), st.just(0.0)),
        st.tuples(st.just("cancel_all"), st.just(""), st.just(0.0)),
        st.tuples(st.just("restart"), st.just(""), st.just(0.0)),
    ),
    max_size=50,
)


class Driver:
    def __init__(self, system: ActorSystem, clock: ManualClock, ref: Any, seen: list[Any]) -> None:
        self.system, self.clock, self.ref, self.seen = system, clock, ref, seen
        self.queue = system._runtime.timers  # noqa: SLF001
        self.model = Model()
        self.release = asyncio.Event()
        self.restarts = 0

    async def advance(self, seconds: float) -> None:
        await self.clock.advance(seconds)
        self.model.advance(seconds)

    async def step(self, number: int, op: str, key: str, seconds: float) -> None:
        model = self.model
        actor = instance(self.ref)
        assert isinstance(actor, Noting)
        timers = actor.timers
        message = (op, key, number)
        if op == "once":
            model.end(key)
            timers.start_once(key, message, seconds)
            model.own[key] = model.timer(message, seconds, None, key)
        elif op == "every":
            model.end(key)
            timers.start_every(key, message, seconds)
            model.own[key] = model.timer(message, seconds, seconds, key)
        elif op == "cancel":
            assert timers.cancel(key) is model.end(key)
        elif op == "system":
            self.system.schedule_once(seconds, self.ref, message)
            model.others.append(model.timer(message, seconds, None))
        elif op == "cancel_all":
            timers.cancel_all()
            for each in KEYS:
                model.end(each)
        elif op == "hold" and model.held:
            await self.unhold()
        elif op == "hold":
            self.release = actor.release = asyncio.Event()
            self.ref.tell("hold")
            model.held = True
            await self.advance(0.0)
        elif op == "restart":
            if model.held or self.restarts == 3:  # the default strategy allows 3
                return
            self.restarts += 1
            self.ref.tell("boom")
            for each in KEYS:
                model.end(each)
            await self.advance(0.0)
        else:
            await self.advance(seconds)
        assert self.seen == model.seen
        assert [timers.is_active(key) for key in KEYS] == [model.active(key) for key in KEYS]
        assert pending_timers(self.system) == len(model.own) + len(model.others)
        assert len(self.queue) == self.queue.pending
        assert self.queue._dead >= 0  # noqa: SLF001

    async def unhold(self) -> None:
        self.release.set()
        self.model.held = False
        self.model.deliver()
        await self.advance(0.0)


@settings(max_examples=300, deadline=None)
@given(operations, st.sampled_from((0, 1, 3, _timers.COMPACT_AT)))
def test_timers_fire_as_the_model_says_with_ticks_queued_restarts_and_compactions(
    ops: list[tuple[str, str, float]], compact_at: int
) -> None:
    async def run() -> None:
        clock = ManualClock()
        seen: list[tuple[float, Any]] = []
        async with asyncio.timeout(10), ActorSystem(clock=clock) as system:
            ref = await system.spawn(Noting, clock, seen)
            driver = Driver(system, clock, ref, seen)
            try:
                for number, (op, key, seconds) in enumerate(ops):
                    await driver.step(number, op, key, seconds)
                if driver.model.held:
                    await driver.unhold()
                await driver.advance(3.0)
                assert seen == driver.model.seen
                actor = instance(ref)
                assert actor is not None
                actor.timers.cancel_all()
                await clock.advance(3.0)
                assert seen == driver.model.seen
                assert pending_timers(system) == 0
                assert len(driver.queue) == 0
            finally:
                driver.release.set()

    with mock.patch.object(_timers, "COMPACT_AT", compact_at):
        asyncio.run(run())
