"""An actor's own timers against a reference model (API 5, 9): any mix of one-shot timers
started again under their keys (sooner, later, at the same due time), periodic ones, cancels,
the system's timers to the same actor and time moving on a `ManualClock`. Every message comes
at its due time, in due order, ties in the order of the last start; `cancel`, `is_active` and
the pending count say what the model says."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from actorkit import Actor, ActorSystem
from actorkit.testing import ManualClock, instance, pending_timers

KEYS = ("a", "b", "c")
DELAYS = (0.0, 0.25, 0.5, 1.0, 1.5)
INTERVALS = (0.25, 0.5, 1.0)
STEPS = (0.0, 0.25, 0.5, 0.75, 1.0, 2.0)
"""Sums of quarters: every due time is exact in floats, so ties are real ties."""


class Noting(Actor):
    def __init__(self, clock: ManualClock, seen: list[tuple[float, Any]]) -> None:
        self.clock = clock
        self.seen = seen

    async def receive(self, message: Any) -> None:
        self.seen.append((self.clock.now(), message))


@dataclass
class Timer:
    message: Any
    due: float
    seq: int
    interval: float | None


@dataclass
class Model:
    """Timers as the docs describe them: a start under a key is a new timer, scheduled now."""

    now: float = 0.0
    seq: int = 0
    own: dict[str, Timer] = field(default_factory=dict)
    others: list[Timer] = field(default_factory=list)
    seen: list[tuple[float, Any]] = field(default_factory=list)

    def timer(self, message: Any, delay: float, interval: float | None) -> Timer:
        self.seq += 1
        return Timer(message, self.now + delay, self.seq, interval)

    def advance(self, step: float) -> None:
        target = self.now + step
        while True:
            pending = [*self.own.values(), *self.others]
            due = [timer for timer in pending if timer.due <= target]
            if not due:
                break
            first = min(due, key=lambda timer: (timer.due, timer.seq))
            self.now = max(self.now, first.due)
            if first.interval is not None:
                first.due += first.interval
            elif first in self.others:
                self.others.remove(first)
            else:
                del self.own[next(key for key, timer in self.own.items() if timer is first)]
            self.fired(first)
        self.now = target

    def fired(self, timer: Any) -> None:
        self.seen.append((self.now, timer.message))


operations = st.lists(
    st.one_of(
        st.tuples(st.just("once"), st.sampled_from(KEYS), st.sampled_from(DELAYS)),
        st.tuples(st.just("every"), st.sampled_from(KEYS), st.sampled_from(INTERVALS)),
        st.tuples(st.just("cancel"), st.sampled_from(KEYS), st.just(0.0)),
        st.tuples(st.just("system"), st.just(""), st.sampled_from(DELAYS)),
        st.tuples(st.just("advance"), st.just(""), st.sampled_from(STEPS)),
    ),
    max_size=40,
)


@settings(max_examples=250, deadline=None)
@given(operations)
def test_started_again_cancelled_or_periodic_timers_fire_as_the_model_says(
    ops: list[tuple[str, str, float]],
) -> None:
    async def run() -> None:
        clock = ManualClock()
        seen: list[tuple[float, Any]] = []
        model = Model()
        async with asyncio.timeout(10), ActorSystem(clock=clock) as system:
            ref = await system.spawn(Noting, clock, seen)
            actor = instance(ref)
            assert actor is not None
            timers = actor.timers
            for number, (op, key, seconds) in enumerate(ops):
                message = (op, key, number)
                if op == "once":
                    timers.start_once(key, message, seconds)
                    model.own[key] = model.timer(message, seconds, None)
                elif op == "every":
                    timers.start_every(key, message, seconds)
                    model.own[key] = model.timer(message, seconds, seconds)
                elif op == "cancel":
                    assert timers.cancel(key) is (model.own.pop(key, None) is not None)
                elif op == "system":
                    system.schedule_once(seconds, ref, message)
                    model.others.append(model.timer(message, seconds, None))
                else:
                    await clock.advance(seconds)
                    model.advance(seconds)
                    assert seen == model.seen
                assert [timers.is_active(key) for key in KEYS] == [key in model.own for key in KEYS]
                assert pending_timers(system) == len(model.own) + len(model.others)
            await clock.advance(3.0)
            model.advance(3.0)
            assert seen == model.seen
            timers.cancel_all()
            await clock.advance(3.0)
            assert seen == model.seen
            assert pending_timers(system) == 0

    asyncio.run(run())
