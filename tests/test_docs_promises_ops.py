"""Promises of docs/observability.md and docs/api.md (sections 5, 7 and 9) that no other test
pinned: what `actorkit_timers_pending`, `actorkit_mailbox_dropped_total`,
`actorkit_supervisor_escalations_total` and `actorkit_asks_total` count, when a timer due
now fires under a `ManualClock`, and which clock a stop's timeout runs on."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from actorkit import (
    Actor,
    ActorRef,
    ActorStopped,
    ActorSystem,
    AskTimeout,
    MailboxFull,
    OneForOne,
)
from actorkit.testing import ManualClock


def sample(system: ActorSystem, name: str, **labels: str) -> float | None:
    return system.metrics.registry.get_sample_value(name, labels)


class Timed(Actor):
    """Runs the timer call it is sent (`("start_once", key, msg, delay)`...), holds on a gate,
    sends to its own mailbox, or fails, as a step asks."""

    def __init__(self, seen: list[Any]) -> None:
        self.seen = seen

    async def receive(self, message: Any) -> Any:
        if isinstance(message, tuple) and message[0] == "hold":
            message[1].set()
            await message[2].wait()
        elif isinstance(message, tuple) and message[0] == "send_to_self":
            message[1].set()
            await message[2].wait()
            await self.ref.send("again")
        elif isinstance(message, tuple):
            return getattr(self.timers, message[0])(*message[1:])
        elif message == "crash":
            raise RuntimeError("crash on purpose")
        else:
            self.seen.append(message)
        return None


async def hold(ref: ActorRef) -> asyncio.Event:
    """Keeps `ref` in a handler until the returned gate is set."""
    entered, gate = asyncio.Event(), asyncio.Event()
    ref.tell(("hold", entered, gate))
    await entered.wait()
    return gate


async def test_timers_pending_counts_each_timer_until_it_fires_or_ends(clock: ManualClock) -> None:
    """observability.md: `actorkit_timers_pending` is the "timers waiting to fire", the
    system's and the actors' own: a one-off leaves it when it fires, a periodic one stays,
    and a cancel, a replacement, a restart or a stop takes timers out of it."""
    async with asyncio.timeout(10), ActorSystem(clock=clock) as system:
        ref = await system.spawn(Timed, [])

        def pending() -> float | None:
            return sample(system, "actorkit_timers_pending")

        assert pending() == 0
        once = system.schedule_once(1.0, ref, "once")
        every = system.schedule_every(1.0, ref, "every")
        await ref.ask(("start_once", "k", "mine", 5.0))
        await ref.ask(("start_once", "k", "replaced", 5.0))  # same key: replaces, not adds
        await ref.ask(("start_every", "p", "periodic", 1.0))
        assert pending() == 4
        await clock.advance(1.0)
        assert (pending(), once.active, every.active) == (3, False, True)
        every.cancel()
        assert pending() == 2
        ref.tell("crash")  # a restart ends the actor's own timers
        await clock.settle()
        assert pending() == 0
        await ref.ask(("start_every", "p", "periodic", 1.0))
        system.schedule_every(1.0, ref, "every")
        assert pending() == 2
        await ref.stop()  # both end with it: its own, and the system's to it
        assert pending() == 0


async def test_a_tick_a_full_mailbox_refuses_counts_as_dropped(clock: ManualClock) -> None:
    """observability.md, Alerts: a timer's tick refused by a full mailbox is "also counted in
    the dropped counter", besides its dead letter `mailbox_full`, as a refused tell is."""
    async with asyncio.timeout(10), ActorSystem(clock=clock) as system:
        ref = await system.spawn(Timed, [], mailbox_size=1)
        gate = await hold(ref)
        ref.tell("filler")
        with pytest.raises(MailboxFull):
            ref.tell("refused")
        assert sample(system, "actorkit_mailbox_dropped_total", actor_type="Timed") == 1
        system.schedule_once(1.0, ref, "tick")
        await clock.advance(1.0)
        assert sample(system, "actorkit_mailbox_dropped_total", actor_type="Timed") == 2
        assert system.dead_letters.by_reason == {"mailbox_full": 1}
        gate.set()


async def test_a_send_to_its_own_full_mailbox_counts_as_dropped(clock: ManualClock) -> None:
    """api.md §9: such a send gets `MailboxFull` at once, "as from `tell`", and
    observability.md counts it as a refused tell."""
    async with asyncio.timeout(10), ActorSystem(clock=clock) as system:
        ref = await system.spawn(Timed, [], mailbox_size=1)
        entered, go = asyncio.Event(), asyncio.Event()
        asking = asyncio.ensure_future(ref.ask(("send_to_self", entered, go)))
        await entered.wait()
        ref.tell("filler")  # the one place, taken before the handler sends to itself
        go.set()
        with pytest.raises(MailboxFull, match="its own full mailbox"):
            await asking
        assert sample(system, "actorkit_mailbox_dropped_total", actor_type="Timed") == 1


class Failing(Actor):
    async def receive(self, message: Any) -> Any:
        if message == "escalate":
            raise KeyError("escalated on purpose")
        return message


class Escalating(Actor):
    supervisor_strategy = OneForOne(decider={KeyError: "escalate"})

    async def receive(self, message: Any) -> Any:
        return await self.spawn(Failing, name="child")


async def test_a_deciders_escalate_is_no_supervisor_escalation(clock: ManualClock) -> None:
    """observability.md: `actorkit_supervisor_escalations_total` counts supervisors that gave
    up past their intensity, "not a decider's `escalate`"; the escalated failure is counted
    once for the child and once for the parent it reached."""
    async with asyncio.timeout(10), ActorSystem(clock=clock) as system:
        parent = await system.spawn(Escalating)
        child = await parent.ask("spawn")
        child.tell("escalate")
        await clock.settle()
        escalations = {
            kind: sample(system, "actorkit_supervisor_escalations_total", actor_type=kind)
            for kind in ("Escalating", "Failing", "ActorSystem")
        }
        failures = [
            sample(system, "actorkit_actor_failures_total", actor_type=kind, exception="KeyError")
            for kind in ("Failing", "Escalating")
        ]
    assert escalations == {"Escalating": 0, "Failing": 0, "ActorSystem": 0}
    assert failures == [1, 1]


class Answering(Actor):
    async def receive(self, message: Any) -> Any:
        if message == "fail":
            raise ValueError("fails on purpose")
        if message == "never":
            await asyncio.Event().wait()
        return message


async def test_each_ask_outcome_is_counted_once_under_the_targets_class(
    clock: ManualClock,
) -> None:
    """observability.md: `actorkit_asks_total{actor_type, outcome}` by outcome: `ok`,
    `error`, `timeout`, `stopped`, `cancelled`; one sample of `actorkit_ask_seconds` each."""
    async with asyncio.timeout(10), ActorSystem(clock=clock) as system:
        ref = await system.spawn(Answering)
        assert await ref.ask("hello") == "hello"
        with pytest.raises(ValueError):
            await ref.ask("fail")
        timing_out = asyncio.ensure_future(ref.ask("never", timeout=1.0))
        await clock.settle()
        await clock.advance(1.0)
        with pytest.raises(AskTimeout):
            await timing_out
        cancelled = asyncio.ensure_future(ref.ask("queued behind never"))
        await clock.settle()
        cancelled.cancel()
        with pytest.raises(asyncio.CancelledError):
            await cancelled
        await ref.stop(timeout=0)
        with pytest.raises(ActorStopped):
            await ref.ask("too late")
        outcomes = {
            outcome: sample(system, "actorkit_asks_total", actor_type="Answering", outcome=outcome)
            for outcome in ("ok", "error", "timeout", "stopped", "cancelled")
        }
        timed = sample(system, "actorkit_ask_seconds_count", actor_type="Answering")
    assert outcomes == {"ok": 1, "error": 1, "timeout": 1, "stopped": 1, "cancelled": 1}
    assert timed == 5


class Relaying(Actor):
    """Asks `Answering` on and lets out whatever that ask raised."""

    def __init__(self, target: Any) -> None:
        self.target = target

    async def receive(self, message: Any) -> Any:
        return await self.target.ask(message, timeout=1.0)


async def test_an_ask_s_outcome_is_the_error_its_asker_got_from_the_handler(
    clock: ManualClock,
) -> None:
    """observability.md: the outcome is read from the error the asker got, so a handler that
    lets out an `AskTimeout` of its own ask counts as `timeout`."""
    async with asyncio.timeout(10), ActorSystem(clock=clock) as system:
        target = await system.spawn(Answering)
        relay = await system.spawn(Relaying, target)
        relayed = asyncio.ensure_future(relay.ask("never", timeout=60.0))
        await clock.settle()
        await clock.advance(1.0)
        with pytest.raises(AskTimeout):
            await relayed
        await target.stop(timeout=0)  # its handler waits for ever
        outcomes = {
            outcome: sample(system, "actorkit_asks_total", actor_type="Relaying", outcome=outcome)
            for outcome in ("ok", "error", "timeout", "stopped", "cancelled")
        }
    assert outcomes == {"ok": 0, "error": 0, "timeout": 1, "stopped": 0, "cancelled": 0}


async def test_a_timer_due_now_fires_at_the_next_advance_not_by_itself(clock: ManualClock) -> None:
    """api.md §5: under a `ManualClock` timers fire only when `advance` reaches them, so a
    delay of 0 waits for the next `advance`, `advance(0)` included; an `initial_delay=0`
    periodic timer ticks then, and on its grid after."""
    async with asyncio.timeout(10), ActorSystem(clock=clock) as system:
        seen: list[Any] = []
        ref = await system.spawn(Timed, seen)
        system.schedule_once(0, ref, "now")
        system.schedule_every(1.0, ref, "tick", initial_delay=0)
        await clock.settle()
        assert seen == []
        await clock.advance(0)
        await ref.ask(("start_once", "flush", "x", 3600.0))  # handled after the ticks
        assert seen == ["now", "tick"]
        await clock.advance(2.0)
        await ref.ask(("cancel", "flush"))
        assert seen == ["now", "tick", "tick", "tick"]


async def test_a_stops_timeout_is_real_time_under_a_manual_clock(clock: ManualClock) -> None:
    """api.md §9, Clock: `ref.stop(timeout=t)` bounds a stop the way a shutdown's timeout
    does, on the event loop's real time: its caller awaits it, so it could not advance a
    `ManualClock` meanwhile, and a stuck handler is forced without the clock moving."""
    async with asyncio.timeout(10), ActorSystem(clock=clock) as system:
        ref = await system.spawn(Timed, [])
        await hold(ref)  # its gate is never set: the handler would wait for ever
        loop = asyncio.get_running_loop()
        began = loop.time()
        await ref.stop(timeout=0.05)
        assert not ref.is_alive
        # uvloop's clock counts whole milliseconds: the timer may read a hair early on it
        assert clock.now() == 0.0 and loop.time() - began >= 0.04
