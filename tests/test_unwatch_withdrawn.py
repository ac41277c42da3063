"""`self.unwatch` withdraws a queued `Terminated` without a scan of the queue (`_withdraw`):
the news that still arrive, watching again, the accounting and the room of a bounded mailbox,
with many queued (past the receive loop's batch) and with a restart or a stop of the watcher
while withdrawn ones are still in the queue."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from actorkit import Actor, ActorRef, ActorSystem, OneForAll, Terminated
from actorkit._mailbox import BATCH
from actorkit.testing import snapshot

from .invariants import assert_invariants
from .supervision_cut_support import BOUND, Hanging, _hung, _pair
from .timers_support import Stepper, arriving, withdrawn_by

WIDE = 3 * BATCH + 7
"""`Terminated` queued at once: past the receive loop's reach between two of its yields."""


class Sink(Actor):
    async def receive(self, message: Any) -> None:
        return None


async def watched_and_stopped(
    system: ActorSystem, count: int, step: Any = None, **spawn: Any
) -> tuple[ActorRef, asyncio.Event, list[ActorRef], list[Any]]:
    """A `Stepper` watching `count` actors that stopped while it was held: their `Terminated`
    are queued behind the held handler, which runs `step` once the returned gate opens."""
    seen: list[Any] = []
    targets = [await system.spawn(Sink) for _ in range(count)]
    watcher = await system.spawn(Stepper, seen, **spawn)

    def watch_all(actor: Actor) -> None:
        for target in targets:
            actor.watch(target)

    await watcher.ask(watch_all)
    gate = asyncio.Event()
    watcher.tell(("hold", gate, step or (lambda actor: None)))
    for target in targets:
        await target.stop()
    box = snapshot(watcher).accounting
    assert box.queued + box.handling == count + 1  # the held message, in hand or not yet
    return watcher, gate, targets, seen


def stopped_refs(seen: list[Any]) -> list[ActorRef]:
    assert all(type(message) is Terminated for message in seen)
    return [message.ref for message in seen]


async def test_unwatches_one_per_handler_withdraw_news_wherever_it_is_queued() -> None:
    """Each `Terminated`'s handler unwatches the next actor (about to be reached) and one far
    behind (past the loop's reach): the rest arrive in order, and the counts balance."""
    heard: list[ActorRef] = []

    class Unwatcher(Stepper):
        async def receive(self, message: Any) -> Any:
            if type(message) is not Terminated:
                return await super().receive(message)
            heard.append(message.ref)
            for other in withdrawn_by(targets.index(message.ref), WIDE):
                self.unwatch(targets[other])
            return None

    async with asyncio.timeout(10), ActorSystem() as system:
        targets = [await system.spawn(Sink) for _ in range(WIDE)]
        watcher = await system.spawn(Unwatcher, [], mailbox_size=None)
        await watcher.ask(lambda actor: [actor.watch(target) for target in targets])
        gate = asyncio.Event()
        watcher.tell(("hold", gate, lambda actor: None))
        for target in targets:
            await target.stop()
        gate.set()
        await watcher.ask(lambda actor: None)
        expected, unwatched = arriving(WIDE)
        assert heard == [targets[index] for index in expected]
        assert len(unwatched) >= WIDE // 3
        box = snapshot(watcher).accounting
        assert box.queued == 0 and box.accepted == box.processed
        assert system.dead_letters.count == 0
        assert_invariants(system)


async def test_news_withdrawn_at_once_never_arrive_past_the_loops_batch() -> None:
    def unwatch_odd(actor: Actor) -> None:
        for target in targets[1::2]:
            actor.unwatch(target)

    async with asyncio.timeout(10), ActorSystem() as system:
        watcher, gate, targets, seen = await watched_and_stopped(
            system, WIDE, unwatch_odd, mailbox_size=None
        )
        gate.set()
        await watcher.ask(lambda actor: None)
        assert stopped_refs(seen) == targets[::2]
        assert system.dead_letters.count == 0
        assert_invariants(system)


async def test_a_watch_again_after_an_unwatch_gets_news_again_and_without_one_does_not() -> None:
    def again(actor: Actor) -> None:
        actor.unwatch(targets[0])
        actor.watch(targets[0])  # closed, its news withdrawn: a new one is queued
        actor.watch(targets[1])  # closed, its news still queued: no new watch
        actor.unwatch(targets[2])
        actor.watch(targets[2])
        actor.unwatch(targets[2])  # the new one withdrawn too

    async with asyncio.timeout(5), ActorSystem() as system:
        watcher, gate, targets, seen = await watched_and_stopped(system, 3, again)
        gate.set()
        await watcher.ask(lambda actor: None)
        assert stopped_refs(seen) == [targets[1], targets[0]]
        assert_invariants(system)


async def test_a_watch_from_the_handler_of_its_terminated_gets_another() -> None:
    async with asyncio.timeout(5), ActorSystem() as system:
        target = await system.spawn(Sink)
        heard: list[ActorRef] = []

        class Again(Actor):
            async def receive(self, message: Any) -> None:
                if message == "watch":
                    self.watch(target)
                elif type(message) is Terminated and len(heard) < 2:
                    heard.append(message.ref)
                    self.watch(target)  # from the handler of its news: another one comes
                    self.unwatch(target) if len(heard) == 2 else None

        watcher = await system.spawn(Again)
        await watcher.ask("watch")
        await target.stop()
        await watcher.ask("sync")
        assert heard == [target, target]
        assert snapshot(watcher).accounting.queued == 0
        assert_invariants(system)


async def test_an_unwatch_frees_a_place_for_a_waiting_sender_at_once() -> None:
    async with asyncio.timeout(5), ActorSystem() as system:
        watcher, gate, targets, seen = await watched_and_stopped(system, 3, mailbox_size=3)
        sending = asyncio.ensure_future(watcher.send("sent"))
        await asyncio.sleep(0)  # a turn for the send to start
        assert not sending.done()  # the news fill the mailbox, past its bound
        instance: Actor = snapshot_instance(watcher)
        instance.unwatch(targets[0])
        instance.unwatch(targets[1])
        await asyncio.wait_for(sending, 1)  # admitted while the watcher is still held
        assert_invariants(system)
        gate.set()
        await watcher.ask(lambda actor: None)
        assert seen == [Terminated(targets[2]), "sent"]
        assert_invariants(system)


def snapshot_instance(ref: ActorRef) -> Actor:
    instance = ref._cell.instance
    assert instance is not None
    return instance


@pytest.mark.parametrize("end", ["restart", "stop"])
async def test_news_withdrawn_and_still_in_the_queue_at_a_restart_or_stop(end: str) -> None:
    """Half the news withdrawn, then the watcher restarts (the rest still arrive: its watches
    of actors not its children are the cell's) or stops (the rest are dead letters)."""

    def then(actor: Actor) -> None:
        for target in targets[::2]:
            actor.unwatch(target)
        if end == "restart":
            raise RuntimeError("restart with withdrawn news queued")
        actor.stop()

    async with asyncio.timeout(10), ActorSystem() as system:
        watcher, gate, targets, seen = await watched_and_stopped(
            system, WIDE, then, mailbox_size=None, restart="transient"
        )
        gate.set()
        if end == "restart":
            await watcher.ask(lambda actor: None)
            assert stopped_refs(seen) == targets[1::2]
            assert system.dead_letters.count == 0
        else:
            while watcher.is_alive:
                await asyncio.sleep(0)
            assert seen == []
            letters = [letter.message for letter in system.dead_letters.recent]
            assert letters[-(WIDE // 2) :] == [Terminated(target) for target in targets[1::2]]
        box = snapshot(watcher).accounting
        assert box.queued == 0
        assert box.dead_lettered == (0 if end == "restart" else WIDE // 2)
        assert_invariants(system)


class HangingWatcher(Hanging):
    """A `Hanging` that also runs steps (on `("hold", gate, step)`, once the gate opens) and
    notes the refs of the `Terminated` it hears, across its restarts, in `heard`."""

    heard: list[ActorRef] = []

    async def receive(self, message: Any) -> Any:
        if type(message) is Terminated:
            type(self).heard.append(message.ref)
            return None
        if isinstance(message, tuple) and message[0] == "hold":
            await message[1].wait()
            return message[2](self)
        if callable(message):
            return message(self)
        return await super().receive(message)


async def test_a_cut_does_not_carry_the_loop_onto_a_withdrawn_terminated() -> None:
    """The message a cut ends left the queue without counting down the loop's reach: the
    `Terminated` withdrawn just past that reach must not reach the restarted instance."""
    journal: list[str] = []
    HangingWatcher.heard = []
    withdrawn: list[ActorRef] = []

    def unwatch_the_first_past_the_reach(actor: Actor) -> None:
        left = actor._cell.mailbox.left  # this message's included
        assert left > 1  # no yield right after it, whose sweep would reach further
        # Behind this message: "hang", then the news in order; the loop reaches `left - 1`.
        withdrawn.append(targets[left - 2])
        actor.unwatch(withdrawn[0])

    async with asyncio.timeout(5), ActorSystem() as system:
        _sup, a, b = await _pair(system, journal, HangingWatcher, OneForAll(shutdown=BOUND))
        targets = [await system.spawn(Sink) for _ in range(BATCH + 8)]
        await b.ask(lambda actor: [actor.watch(target) for target in targets])
        gate = asyncio.Event()
        b.tell(("hold", gate, unwatch_the_first_past_the_reach))
        b.tell("hang")  # queued before the news
        for target in targets:
            await target.stop()
        gate.set()
        await _hung(journal, "hangs b")
        a.tell("crash")
        while journal.count("start b") < 2:  # cut, then restarted: yields, never sleeps
            await asyncio.sleep(0)
        await b.ask(lambda actor: None)
        assert HangingWatcher.heard == [target for target in targets if target not in withdrawn]
        assert_invariants(system)
