"""Bad input to the timers, and a `TimerHandle` cancelled twice or after it fired."""

from __future__ import annotations

import math

import pytest

from actorkit import ActorStopped, ActorSystem
from actorkit.testing import ManualClock, pending_timers

from .bad_input_support import Case, Plain, each, inside, raises_as_documented

CASES = [
    # timers
    Case(
        "schedule_once: negative delay",
        lambda e: e.system.schedule_once(-1, e.ref, "x"),
        ValueError,
        "must be >= 0 seconds",
    ),
    Case(
        "schedule_every: interval 0",
        lambda e: e.system.schedule_every(0, e.ref, "x"),
        ValueError,
        "interval must be > 0 seconds and finite, got 0;.*; use schedule_once for a single message",
    ),
    Case(
        "schedule_every: negative interval",
        lambda e: e.system.schedule_every(-1, e.ref, "x"),
        ValueError,
        "interval must be > 0 seconds and finite, got -1;",
    ),
    Case(
        # Subnormal: the tick grid divided by it overflowed, inside the timer queue's firing.
        "schedule_every: interval 5e-324",
        lambda e: e.system.schedule_every(5e-324, e.ref, "x"),
        ValueError,
        r"interval must be at least 1e-09 seconds .a nanosecond.*, got 5e-324; use schedule_once",
    ),
    Case(
        "schedule_once: delay infinite",
        lambda e: e.system.schedule_once(math.inf, e.ref, "x"),
        ValueError,
        "delay must be >= 0 seconds and finite",
    ),
    Case(
        "schedule_once: delay not a number",
        lambda e: e.system.schedule_once("1", e.ref, "x"),  # type: ignore[arg-type]
        TypeError,
        "must be a number of seconds",
    ),
    Case(
        "schedule_once: target not a ref",
        lambda e: e.system.schedule_once(1, "/path", "x"),  # type: ignore[arg-type]
        TypeError,
        "needs an ActorRef",
    ),
    Case(
        "timers.start_once: negative delay",
        lambda e: inside(e, lambda actor: actor.timers.start_once("k", "x", -1)),
        ValueError,
        "delay must be >= 0 seconds",
    ),
    Case(
        "timers.start_every: interval 0",
        lambda e: inside(e, lambda actor: actor.timers.start_every("k", "x", 0)),
        ValueError,
        # An actor's own timer fires once with its own `start_once` (whose tick a cancel
        # withdraws), not with the system's `schedule_once`.
        "interval must be > 0.*; use timers.start_once for a single message",
    ),
    Case(
        "timers.start_every: interval below a nanosecond",
        lambda e: inside(e, lambda actor: actor.timers.start_every("k", "x", 1e-12)),
        ValueError,
        "interval must be at least 1e-09 seconds.*; use timers.start_once for a single message",
    ),
    Case(
        "timers.start_once: a key that is not hashable",
        lambda e: inside(e, lambda actor: actor.timers.start_once(["k"], "x", 1)),  # type: ignore[arg-type]
        TypeError,
        "a timer key must be hashable .a str, or a tuple of them., got list",
    ),
    Case(
        "timers.start_every: a key that is not hashable",
        lambda e: inside(e, lambda actor: actor.timers.start_every({"k": 1}, "x", 1)),  # type: ignore[arg-type]
        TypeError,
        "a timer key must be hashable",
    ),
    Case(
        "timers.cancel: a key that is not hashable",
        lambda e: inside(e, lambda actor: actor.timers.cancel(["k"])),  # type: ignore[arg-type]
        TypeError,
        "a timer key must be hashable .a str, or a tuple of them., got list",
    ),
    Case(
        "timers.is_active: a key that is not hashable",
        lambda e: inside(e, lambda actor: actor.timers.is_active({"k"})),  # type: ignore[arg-type]
        TypeError,
        "a timer key must be hashable .a str, or a tuple of them., got set",
    ),
]


@each(CASES)
async def test_bad_input_raises_the_documented_error_saying_what_to_change(case: Case) -> None:
    await raises_as_documented(case)


async def test_timer_handle_cancel_twice_or_after_firing_is_harmless_and_says_so() -> None:
    clock = ManualClock()
    async with ActorSystem(clock=clock) as system:
        ref = await system.spawn(Plain)
        fired = system.schedule_once(1.0, ref, "x")
        await clock.advance(1.0)
        assert fired.cancel() is False  # already fired: nothing to stop
        pending = system.schedule_once(5.0, ref, "x")
        assert pending.cancel() is True
        assert pending.cancel() is False
        assert not pending.active
        assert pending_timers(system) == 0


@pytest.mark.parametrize("name", ["schedule_once", "schedule_every"])
async def test_a_schedule_before_start_or_after_shutdown_is_refused_as_every_call_is(
    name: str,
) -> None:
    """README: before `start()` a `RuntimeError`, once the system has shut down `ActorStopped`
    (while it drains a schedule is taken: tests/test_schedhunt_shutdown_schedules.py), in the
    words of `spawn` and `submit`, the schedule's own name in them."""
    async with ActorSystem("live") as elsewhere:
        ref = await elsewhere.spawn(Plain)  # a ref to deliver to, checked before the system
        unstarted, closed = ActorSystem("unstarted"), await ActorSystem("closed").start()
        await closed.shutdown()
        with pytest.raises(RuntimeError) as early:
            getattr(unstarted, name)(1.0, ref, "x")
        assert str(early.value) == (
            f"actor system 'unstarted' is not started, so {name} cannot run yet: use "
            "`async with ActorSystem()` (or `await system.start()`) first"
        )
        with pytest.raises(ActorStopped) as late:
            getattr(closed, name)(1.0, ref, "x")
        assert str(late.value) == (
            f"actor system 'closed' is shut down (or shutting down, or failed: `system.failure` "
            f"holds why), so {name} cannot run: create a new ActorSystem to go on"
        )


async def test_only_none_for_a_duration_is_told_to_pass_a_large_number_instead() -> None:
    async with ActorSystem("waits") as system:
        ref = await system.spawn(Plain)
        with pytest.raises(TypeError, match=r"got NoneType None: every wait in actorkit is"):
            system.schedule_once(None, ref, "x")  # type: ignore[arg-type]
        for wrong in ("1", b"1", [1]):
            with pytest.raises(TypeError) as raised:
                system.schedule_once(wrong, ref, "x")  # type: ignore[arg-type]
            assert "bounded" not in str(raised.value), wrong
