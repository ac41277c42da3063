"""API.md sections 5 and 9 (scheduling and the clock): the parameters of system timers and of
an actor's `timers`, and where a `ManualClock` starts."""

from __future__ import annotations

from actorkit import ActorSystem, Timers
from actorkit.testing import ManualClock

from .contract_support import assert_awaited, assert_signature


def test_system_timers_take_the_contract_s_parameters() -> None:
    assert_signature(ActorSystem.schedule_once, "self, delay, ref, msg")
    assert_signature(ActorSystem.schedule_every, "self, interval, ref, msg, initial_delay=None")


def test_actor_timers_take_the_contract_s_parameters() -> None:
    assert_signature(Timers.start_once, "self, key, msg, delay")
    assert_signature(Timers.start_every, "self, key, msg, interval")
    assert_signature(Timers.cancel, "self, key")
    assert_signature(Timers.cancel_all, "self")
    assert_awaited(Timers, awaited=[], plain=["start_once", "start_every", "cancel", "cancel_all"])


def test_a_manual_clock_starts_at_zero_and_advance_is_awaited() -> None:
    assert ManualClock().now() == 0.0
    assert_signature(ManualClock.advance, "self, seconds")
    assert_awaited(ManualClock, awaited=["advance"], plain=[])
