"""`Probe.watch`, `Probe.unwatch` and `Probe.expect_terminated`: Akka TestKit's death watch,
so a test needs no watcher actor of its own that forwards each `Terminated` to a probe."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from actorkit import Actor, ActorStopped, ActorSystem, Terminated
from actorkit.testing import ManualClock, Probe, instance

from .hostile_objects_support import Proxy


class Crashing(Actor):
    async def receive(self, message: Any) -> None:
        raise RuntimeError(message)


async def test_the_terminated_of_a_watched_actor_arrives_like_any_message() -> None:
    async with ActorSystem(clock=ManualClock()) as system:
        probe = await Probe.spawn(system)
        target = await Probe.spawn(system, name="target")
        probe.watch(target.ref)
        probe.ref.tell("before")
        await target.ref.stop()
        assert await probe.receive() == "before"
        ended = await probe.expect_terminated(target.ref)
        assert type(ended) is Terminated and ended.ref == target.ref and ended.reason is None
        probe.expect_empty()


async def test_the_reason_of_a_crash_comes_with_it() -> None:
    async with ActorSystem(clock=ManualClock()) as system:
        probe = await Probe.spawn(system)
        target = await system.spawn(Crashing, restart="temporary")
        probe.watch(target)
        target.tell("boom")
        ended = await probe.expect_terminated(target)
        assert isinstance(ended.reason, RuntimeError) and str(ended.reason) == "boom"


async def test_a_ref_stopped_already_gives_its_terminated_at_once_and_once() -> None:
    async with ActorSystem(clock=ManualClock()) as system:
        probe = await Probe.spawn(system)
        target = await Probe.spawn(system)
        await target.ref.stop()
        probe.watch(target.ref)
        probe.watch(target.ref)  # its `Terminated` still queued: no second one
        assert probe.pending == 1
        await probe.expect_terminated(target.ref)
        probe.expect_empty()


@pytest.mark.parametrize(
    ("make", "named"),
    [
        (lambda: "hello", "'hello'"),
        # `isinstance` asks a message that is no `Terminated` its `__class__`: a proxy's
        # raised, and `expect_terminated` raised that error instead of saying what came.
        (Proxy, "<.*Proxy object"),
    ],
    ids=["plain", "class raises"],
)
async def test_another_message_first_fails_naming_it_and_is_taken(
    make: Callable[[], object], named: str
) -> None:
    async with ActorSystem(clock=ManualClock()) as system:
        probe = await Probe.spawn(system)
        target = await Probe.spawn(system, name="target")
        probe.watch(target.ref)
        probe.ref.tell(make())
        await target.ref.stop()
        with pytest.raises(
            AssertionError, match=rf"probe expected Terminated of /target, got {named}"
        ):
            await probe.expect_terminated(target.ref)
        await probe.expect_terminated(target.ref)


async def test_the_terminated_of_another_actor_fails_naming_it() -> None:
    async with ActorSystem(clock=ManualClock()) as system:
        probe = await Probe.spawn(system)
        first = await Probe.spawn(system, name="first")
        second = await Probe.spawn(system, name="second")
        probe.watch(first.ref)
        probe.watch(second.ref)
        await second.ref.stop()
        with pytest.raises(
            AssertionError, match=r"expected Terminated of /first, got Terminated\(.*/second"
        ):
            await probe.expect_terminated(first.ref)


async def test_nothing_coming_times_out_as_expect_does_with_the_clock_hint() -> None:
    clock = ManualClock()
    async with ActorSystem(clock=clock) as system:
        probe = await Probe.spawn(system)
        target = await Probe.spawn(system, name="target")
        probe.watch(target.ref)
        system.schedule_once(5.0, target.ref, "due")
        with pytest.raises(TimeoutError) as raised:
            await probe.expect_terminated(target.ref, timeout=0.01)
        said = str(raised.value)
        assert "received nothing within 0.01 s, where it expected Terminated of /target" in said
        assert "ManualClock reads 0.0 and has something due at 5.0" in said


async def test_unwatch_before_the_stop_means_no_terminated() -> None:
    clock = ManualClock()
    async with ActorSystem(clock=clock) as system:
        probe = await Probe.spawn(system)
        target = await Probe.spawn(system)
        probe.watch(target.ref)
        probe.unwatch(target.ref)
        await target.ref.stop()
        await clock.settle()
        probe.expect_empty()


@pytest.mark.parametrize("settled", [False, True])
async def test_unwatch_after_the_stop_withdraws_the_terminated_not_yet_received(
    settled: bool,
) -> None:
    clock = ManualClock()
    async with ActorSystem(clock=clock) as system:
        probe = await Probe.spawn(system)
        target = await Probe.spawn(system)
        probe.watch(target.ref)
        probe.ref.tell("kept")
        await target.ref.stop()
        if settled:
            await clock.settle()  # the probe's actor took it in
        assert probe.pending == 2
        probe.unwatch(target.ref)
        assert await probe.receive() == "kept"
        probe.expect_empty()


async def test_a_non_ref_is_refused_saying_what_to_pass() -> None:
    async with ActorSystem(clock=ManualClock()) as system:
        probe = await Probe.spawn(system)
        other = await Probe.spawn(system)
        actor = instance(other.ref)
        with pytest.raises(TypeError, match=r"Probe.watch needs the ActorRef.*probe.ref"):
            probe.watch(other)  # type: ignore[arg-type]
        with pytest.raises(TypeError, match=r"Probe.unwatch needs the ActorRef.*self.ref"):
            probe.unwatch(actor)  # type: ignore[arg-type]
        with pytest.raises(TypeError, match=r"Probe.expect_terminated needs the ActorRef"):
            await probe.expect_terminated("target")  # type: ignore[arg-type]
        with pytest.raises(ValueError, match=r"cannot watch its own ref"):
            probe.watch(probe.ref)
        probe.ref.tell("untouched")
        await probe.expect("untouched")  # a refused expect_terminated took nothing


async def test_a_stopped_probe_cannot_watch() -> None:
    async with ActorSystem(clock=ManualClock()) as system:
        probe = await Probe.spawn(system)
        target = await Probe.spawn(system)
        await probe.ref.stop()
        with pytest.raises(ActorStopped, match=r"is stopped and cannot watch"):
            probe.watch(target.ref)
