"""README.md's promises that no other test pins, checked through the public API: the figures
it gives for the default mailbox, the dead-letter topic and the forced stop's grace (other
tests read these from the constants, so a changed constant kept them green while the README
went wrong), `initial_delay` on an actor's own periodic timer, and a retried task's
`started_at`."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

import actorkit
from actorkit import Actor, ActorSystem, Backoff, DeadLetter, MailboxFull, OneForOne, Task
from actorkit.testing import FORCED_STOP_GRACE, ManualClock, Probe

from .docs_promises_support import BOUND, Echo


async def test_a_default_mailbox_queues_ten_thousand_messages_and_refuses_the_next() -> None:
    """ "Mailboxes are bounded by default: `actorkit.DEFAULT_MAILBOX_SIZE` = 10,000 queued
    messages". The actor cannot run while the test tells without awaiting, so all of them
    stay queued."""
    async with asyncio.timeout(BOUND), ActorSystem(metrics=False) as system:
        ref = await system.spawn(Echo)
        for i in range(10_000):
            ref.tell(i)
        with pytest.raises(MailboxFull):
            ref.tell("one more")
        assert actorkit.DEFAULT_MAILBOX_SIZE == 10_000


async def test_a_subscriber_to_the_literal_dead_letter_topic_hears_each_dead_letter() -> None:
    """ "Subscribe an actor to `actorkit.DEAD_LETTER_TOPIC` (`"actorkit.dead_letters"`)": a
    user may write the string itself."""
    async with asyncio.timeout(BOUND), ActorSystem(metrics=False) as system:
        probe = await Probe.spawn(system)
        system.subscribe(probe.ref, "actorkit.dead_letters")
        gone = await system.spawn(Echo)
        await gone.stop()
        gone.tell("late")
        letter = await probe.expect(DeadLetter)
        assert (letter.message, letter.recipient, letter.reason) == ("late", gone.path, "stopped")
    assert actorkit.DEAD_LETTER_TOPIC == "actorkit.dead_letters"


def test_the_forced_stop_grace_is_the_one_second_the_readme_gives() -> None:
    """ "gives cancelled actors one more second to unwind" and "`timeout` + 1 s grace" in the
    bounds table: tests of those bounds add `FORCED_STOP_GRACE` whatever its value."""
    assert FORCED_STOP_GRACE == 1.0


class Ticking(Actor):
    """Starts a periodic timer of its own with a first tick sooner than its interval."""

    def __init__(self, probe: Probe) -> None:
        self.probe = probe

    async def on_start(self) -> None:
        self.timers.start_every("tick", "tick", 1.0, initial_delay=0.25)

    async def receive(self, message: Any) -> None:
        self.probe.ref.tell((message, self.system.now()))


async def test_an_actor_timer_s_initial_delay_sets_its_first_tick_and_the_grid_after_it(
    clock: ManualClock,
) -> None:
    """ "`start_every(key, msg, interval, initial_delay=None)`": the first tick comes after
    `initial_delay`, the next ones every `interval` from there."""
    async with asyncio.timeout(BOUND), ActorSystem(clock=clock, metrics=False) as system:
        probe = await Probe.spawn(system)
        await system.spawn(Ticking, probe)
        await clock.advance(0.25)
        assert await probe.expect(tuple) == ("tick", 0.25)
        await clock.advance(0.75)
        probe.expect_empty()
        await clock.advance(0.25)
        assert await probe.expect(tuple) == ("tick", 1.25)
        await clock.advance(1.0)
        assert await probe.expect(tuple) == ("tick", 2.25)


class FailsFirst(Actor):
    """An agent whose first attempt at any task fails."""

    capabilities = ("work",)

    async def receive(self, message: Any) -> Any:
        if isinstance(message, Task) and message.attempt == 1:
            raise RuntimeError("first attempt fails on purpose")
        return "done"


async def test_a_retried_task_s_started_at_is_its_latest_dispatch(clock: ManualClock) -> None:
    """ "`started_at` is the latest dispatch": the agent's restart waits out a 1 s backoff,
    so the retry is dispatched a second after the first attempt was."""
    backoff = OneForOne(backoff=Backoff(min=1.0, max=1.0, jitter=0))
    async with asyncio.timeout(BOUND), ActorSystem(clock=clock, supervisor=backoff) as system:
        await system.spawn(FailsFirst)
        handle = await system.submit("job", retries=1)
        await clock.settle()
        assert (handle.attempt, handle.started_at) == (1, 0.0)
        await clock.advance(1.0)
        assert await handle == "done"
        assert (handle.attempt, handle.submitted_at, handle.started_at) == (2, 0.0, 1.0)
