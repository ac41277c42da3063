"""The close of an actor that a draining stop found waiting out a restart's backoff
(`_restart_steps.close_unrestarted`) dead-letters its queue (`not_restarted`) before the actor
is stopped: a pool watching dead letters routes those records in that close, and its
`hash_key` may reach the closing actor. Its mailbox refuses from the moment it closes, so a
tell, send or ask made there fares as one to a stopped actor (api.md §2, §4): a dead letter
`stopped`, or `NotDelivered` for an ask, never `MailboxFull` (as if the queue were full)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from typing import Any

import pytest
from prometheus_client import generate_latest

from actorkit import (
    DEAD_LETTER_TOPIC,
    Actor,
    ActorRef,
    ActorSystem,
    Backoff,
    MailboxFull,
    NotDelivered,
    OneForOne,
)
from actorkit.testing import ManualClock


class Flaky(Actor):
    """Fails on "crash"; handles the rest."""

    async def receive(self, message: Any) -> Any:
        if message == "crash":
            raise RuntimeError("crashed")
        return message


class Watcher(Actor):
    async def receive(self, message: Any) -> Any:
        return None


RUNNING: list[asyncio.Future[None]] = []


def drive(call: Coroutine[Any, Any, None]) -> Exception | None:
    """Run `call` up to its first wait, in the caller's turn, as `asyncio.create_task` under
    an eager task factory (Python 3.12+) would: what it raises there; if it waits, a task
    runs the rest."""
    try:
        call.send(None)
    except StopIteration:
        return None
    except Exception as error:  # what the call raised is what is checked
        return error
    RUNNING.append(asyncio.ensure_future(call))
    return None


async def closed_under_a_watcher(
    clock: ManualClock, reach: Callable[[ActorRef], Exception | None]
) -> tuple[ActorSystem, ActorRef, list[Exception | None]]:
    """A shutdown closes `flaky` in its backoff; a watcher pool's `hash_key` runs `reach` on
    it at the close's first dead letter. Returns what `reach` returned there."""
    reached: list[Exception | None] = []
    began: list[bool] = []
    strategy = OneForOne(backoff=Backoff(min=30.0, max=60.0, jitter=0))
    system = ActorSystem(clock=clock, supervisor=strategy)
    await system.start()

    def key(message: Any) -> object:
        if not began:  # once: what `reach` records comes back here
            began.append(True)
            reached.append(reach(flaky))
        return 0

    pool = await system.spawn_pool(Watcher, size=1, routing="consistent_hash", hash_key=key)
    system.subscribe(pool, DEAD_LETTER_TOPIC)
    flaky = await system.spawn(Flaky, name="flaky", mailbox_size=4)
    flaky.tell("crash")
    await clock.settle()  # waiting out its backoff, its mailbox kept
    flaky.tell("queued")
    await system.shutdown()
    await asyncio.sleep(0)  # a send driven to its yield ends in a task of its own
    await asyncio.sleep(0)
    return system, flaky, reached


def fates(system: ActorSystem) -> list[tuple[Any, str | None, str]]:
    return [(d.message, d.recipient, d.reason) for d in system.dead_letters.recent]


async def test_a_tell_to_an_actor_in_its_unrestarted_close_is_a_dead_letter_stopped(
    clock: ManualClock,
) -> None:
    def tell(ref: ActorRef) -> Exception | None:
        try:
            ref.tell("late")
        except Exception as error:
            return error
        return None

    async with asyncio.timeout(5):
        system, flaky, reached = await closed_under_a_watcher(clock, tell)
        assert reached == [None]
        assert fates(system) == [
            ("queued", flaky.path, "not_restarted"),
            ("late", flaky.path, "stopped"),
        ]


async def test_a_send_to_an_actor_in_its_unrestarted_close_is_a_dead_letter_stopped(
    clock: ManualClock,
) -> None:
    async with asyncio.timeout(5):
        system, flaky, reached = await closed_under_a_watcher(
            clock, lambda ref: drive(ref.send("late"))
        )
        assert reached == [None]
        assert fates(system) == [
            ("queued", flaky.path, "not_restarted"),
            ("late", flaky.path, "stopped"),
        ]


async def test_an_ask_of_an_actor_in_its_unrestarted_close_is_not_delivered(
    clock: ManualClock,
) -> None:
    """As an ask of a stopped actor: `NotDelivered`, which its asker hears, and no dead letter."""
    async with asyncio.timeout(5):
        system, flaky, reached = await closed_under_a_watcher(
            clock, lambda ref: drive(ref.ask("late", timeout=1.0))
        )
        assert len(reached) == 1
        assert isinstance(reached[0], NotDelivered)
        assert str(reached[0]) == "/flaky is stopped; the ask was not delivered"
        assert fates(system) == [("queued", flaky.path, "not_restarted")]


@pytest.mark.parametrize("verb", ["tell", "send", "ask"])
async def test_a_refusal_by_a_full_open_mailbox_is_unchanged(verb: str, clock: ManualClock) -> None:
    """The refusal branches tell a closed mailbox from a full one: full and open, a tell
    still raises `MailboxFull`, and a send or an ask waits in line for room."""
    entered, gate = asyncio.Event(), asyncio.Event()

    class Held(Actor):
        async def receive(self, message: Any) -> Any:
            entered.set()
            await gate.wait()
            return message

    async with asyncio.timeout(5), ActorSystem(clock=clock) as system:
        ref = await system.spawn(Held, mailbox_size=1)
        ref.tell("held")
        await entered.wait()
        ref.tell("full")
        if verb == "tell":
            with pytest.raises(MailboxFull, match="is full"):
                ref.tell("refused")
            gate.set()
        else:
            waiting = asyncio.ensure_future(
                ref.send("waits") if verb == "send" else ref.ask("waits", timeout=2.0)
            )
            await clock.settle()  # the sender has taken its first step, into the line
            assert ref._cell.mailbox.blocked is not None
            assert not waiting.done()
            gate.set()
            await waiting
        assert system.dead_letters.count == 0


async def test_a_broadcast_copy_refused_by_a_member_in_its_unrestarted_close_is_stopped(
    clock: ManualClock,
) -> None:
    """A broadcast tell's copy that a member refuses is its dead letter, `stopped` once its
    mailbox closed, as a tell's to it: not its class's refused tell, `mailbox_full`."""
    strategy = OneForOne(backoff=Backoff(min=30.0, max=60.0, jitter=0))
    began: list[bool] = []
    async with asyncio.timeout(5):
        system = ActorSystem(clock=clock)
        await system.start()

        def key(message: Any) -> object:
            if not began:
                began.append(True)
                pool.tell("late")
            return 0

        watchers = await system.spawn_pool(Watcher, size=1, routing="consistent_hash", hash_key=key)
        system.subscribe(watchers, DEAD_LETTER_TOPIC)
        pool = await system.spawn_pool(
            Flaky, size=2, routing="broadcast", supervisor=strategy, name="pool"
        )
        pool.tell("crash")
        await clock.settle()  # both waiting out their backoff, their mailboxes kept
        pool.tell("queued")
        await system.shutdown()
        assert began == [True]
        assert fates(system) == [
            ("queued", "/pool/1", "not_restarted"),
            ("late", "/pool/1", "stopped"),
            ("queued", "/pool/0", "not_restarted"),
            ("late", "/pool/0", "not_restarted"),
        ]
        text = generate_latest(system.metrics.registry).decode()
        assert 'actorkit_mailbox_dropped_total{actor_type="Flaky"} 0.0' in text
