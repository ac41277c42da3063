"""Actors, refs, paths, mailboxes and ask: API sections 1, 2 and 9."""

from __future__ import annotations

import asyncio
import copy
import pickle
import re
from typing import Any

import pytest

import actorkit
from actorkit import (
    Actor,
    ActorRef,
    ActorStopped,
    ActorSystem,
    AskTimeout,
    MailboxFull,
    NameTaken,
    NotDelivered,
)
from actorkit.testing import ManualClock, Probe

from .conftest import leftover_tasks


class Counter(Actor):
    def __init__(self, start: int = 0) -> None:
        self.count = start

    async def receive(self, message: Any) -> Any:
        if message == "get":
            return self.count
        self.count += message
        return None


class Recorder(Actor):
    def __init__(self) -> None:
        self.seen: list[Any] = []

    async def receive(self, message: Any) -> Any:
        if message == "seen":
            return list(self.seen)
        self.seen.append(message)
        return None


class Gate(Actor):
    """Blocks in receive until its gate is opened, so tests can fill its mailbox."""

    def __init__(self, gate: asyncio.Event, entered: asyncio.Event | None = None) -> None:
        self.gate = gate
        self.entered = entered
        self.seen: list[Any] = []

    async def receive(self, message: Any) -> Any:
        if message == "seen":
            return list(self.seen)
        if message == "wait":
            if self.entered is not None:
                self.entered.set()
            await self.gate.wait()
        self.seen.append(message)
        return message


async def test_readme_example_counts() -> None:
    async with ActorSystem("app") as system:
        ref = await system.spawn(Counter, 10, name="counter")
        ref.tell(5)
        await ref.send(5)
        assert await ref.ask("get", timeout=1.0) == 20


async def test_messages_are_handled_in_arrival_order() -> None:
    async with ActorSystem() as system:
        ref = await system.spawn(Recorder)
        for i in range(500):
            ref.tell(i)
        assert await ref.ask("seen") == list(range(500))


class Door(Actor):
    """Two behaviours, switched by assigning `self.receive` (Akka's `become`)."""

    def __init__(self) -> None:
        self.log: list[str] = []

    async def receive(self, message: Any) -> Any:  # closed
        if message == "log":
            return self.log
        self.log.append(f"closed: {message}")
        if message == "open":
            self.receive = self.opened  # type: ignore[method-assign]
        return None

    async def opened(self, message: Any) -> Any:
        if message == "log":
            return self.log
        self.log.append(f"open: {message}")
        if message == "close":
            del self.receive  # back to the class's
        return None


async def test_assigning_receive_changes_behaviour_from_the_next_message() -> None:
    async with ActorSystem() as system:
        ref = await system.spawn(Door)
        for message in ["knock", "open", "knock", "close", "knock"]:
            ref.tell(message)  # queued together: one batch, switched twice
        assert await ref.ask("log") == [
            "closed: knock",
            "closed: open",
            "open: knock",
            "open: close",
            "closed: knock",
        ]


async def test_one_message_at_a_time() -> None:
    active = 0
    peak = 0

    class Slow(Actor):
        async def receive(self, message: Any) -> None:
            nonlocal active, peak
            active += 1
            peak = max(peak, active)
            await asyncio.sleep(0)
            active -= 1

    async with ActorSystem() as system:
        ref = await system.spawn(Slow)
        for i in range(50):
            ref.tell(i)
        await ref.ask("done")
    assert peak == 1


async def test_paths_names_lookup_and_children() -> None:
    class Parent(Actor):
        async def on_start(self) -> None:
            await self.spawn(Counter, name="a")
            await self.spawn(Counter, name="b")

        async def receive(self, message: Any) -> Any:
            return [c.path for c in self.children], self.parent

    async with ActorSystem() as system:
        parent = await system.spawn(Parent, name="p")
        paths, grandparent = await parent.ask("who")
        assert paths == ["/p/a", "/p/b"]
        assert grandparent is None
        child = system.lookup("/p/a")
        assert child is not None and child.name == "a" and child.path == "/p/a"
        assert system.lookup("/nope") is None
        assert await system.ask("/p/a", "get") == 0


async def test_child_sees_its_parent() -> None:
    class Child(Actor):
        async def receive(self, message: Any) -> Any:
            return self.parent

    class Parent(Actor):
        async def receive(self, message: Any) -> Any:
            child = await self.spawn(Child, name="c")
            return await child.ask("parent?")

    async with ActorSystem() as system:
        parent = await system.spawn(Parent, name="p")
        assert await parent.ask("go") == parent


async def test_context_is_available_in_init() -> None:
    class Named(Actor):
        def __init__(self) -> None:
            self.seen_path = self.path

        async def receive(self, message: Any) -> Any:
            return self.seen_path

    async with ActorSystem() as system:
        ref = await system.spawn(Named, name="n")
        assert await ref.ask("?") == "/n"


async def test_unnamed_actors_get_unique_generated_names() -> None:
    async with ActorSystem() as system:
        refs = [await system.spawn(Counter) for _ in range(20)]
        names = {ref.name for ref in refs}
        assert len(names) == 20
        assert all(name.startswith("$") for name in names)


async def test_sibling_names_are_unique_and_reusable_after_stop() -> None:
    async with ActorSystem() as system:
        first = await system.spawn(Counter, name="x")
        with pytest.raises(NameTaken, match="/x already exists"):
            await system.spawn(Counter, name="x")
        await first.stop()
        second = await system.spawn(Counter, name="x")
        assert second != first
        assert second.is_alive and not first.is_alive


async def test_refs_are_hashable_and_equal_by_actor() -> None:
    async with ActorSystem() as system:
        ref = await system.spawn(Counter, name="c")
        again = system.lookup("/c")
        assert again == ref and hash(again) == hash(ref)
        assert {ref, again} == {ref}
        assert isinstance(ref, ActorRef)


async def test_refs_copy_as_themselves_and_refuse_pickle_saying_how_to_cross() -> None:
    async with asyncio.timeout(10), ActorSystem() as system:
        ref = await system.spawn(Counter, name="c")
        pool = await system.spawn_pool(Counter, size=2, name="pool")
        for each in (ref, pool, *pool.members):
            assert copy.copy(each) is each
            assert copy.deepcopy(each) is each
            held = {"reply_to": each, "config": [1, 2]}
            copied = copy.deepcopy(held)
            assert copied["reply_to"] is each and copied["config"] is not held["config"]
            with pytest.raises(
                TypeError, match=f"cannot pickle {re.escape(repr(each))}: actor refs"
            ):
                pickle.dumps(each)
            with pytest.raises(TypeError, match=r"system\.remote\(system_name, path\)"):
                pickle.dumps(held)
        assert await copy.copy(ref).ask("get") == 0


async def test_callable_factory_is_accepted() -> None:
    async with ActorSystem() as system:
        ref = await system.spawn(lambda: Counter(7))
        assert await ref.ask("get") == 7


async def test_tell_on_full_mailbox_raises_and_send_waits_for_room() -> None:
    gate, entered = asyncio.Event(), asyncio.Event()
    async with ActorSystem() as system:
        ref = await system.spawn(Gate, gate, entered, mailbox_size=2)
        ref.tell("wait")
        await entered.wait()  # the handler holds "wait"; capacity counts queued messages
        ref.tell(1)
        ref.tell(2)
        with pytest.raises(MailboxFull, match="send"):
            ref.tell(3)
        sender = asyncio.ensure_future(ref.send(3))
        await asyncio.sleep(0)
        assert not sender.done()
        gate.set()
        await asyncio.wait_for(sender, 5)
        assert await ref.ask("seen") == ["wait", 1, 2, 3]


async def test_unbounded_mailbox_takes_everything() -> None:
    async with ActorSystem() as system:
        ref = await system.spawn(Counter, mailbox_size=None)
        for _ in range(actorkit.DEFAULT_MAILBOX_SIZE + 10):
            ref.tell(1)
        assert await ref.ask("get") == actorkit.DEFAULT_MAILBOX_SIZE + 10


async def test_default_mailbox_is_bounded() -> None:
    gate, entered = asyncio.Event(), asyncio.Event()
    async with ActorSystem() as system:
        ref = await system.spawn(Gate, gate, entered)
        ref.tell("wait")
        await entered.wait()
        for i in range(actorkit.DEFAULT_MAILBOX_SIZE):
            ref.tell(i)
        with pytest.raises(MailboxFull):
            ref.tell("one too many")
        gate.set()


async def test_asyncio_timeout_around_send_leaves_no_ghost_message() -> None:
    gate, entered = asyncio.Event(), asyncio.Event()
    async with ActorSystem() as system:
        ref = await system.spawn(Gate, gate, entered, mailbox_size=1)
        ref.tell("wait")
        await entered.wait()
        ref.tell(1)
        with pytest.raises(TimeoutError):
            async with asyncio.timeout(0):
                await ref.send("abandoned")
        gate.set()
        assert await ref.ask("seen") == ["wait", 1]


async def test_ask_returns_receive_value_and_reraises_same_type() -> None:
    class Fussy(Actor):
        async def receive(self, message: Any) -> Any:
            if message == "bad":
                raise KeyError("nope")
            return message * 2

    async with ActorSystem() as system:
        ref = await system.spawn(Fussy)
        assert await ref.ask(21) == 42
        with pytest.raises(KeyError, match="nope"):
            await ref.ask("bad")
        assert await ref.ask(1) == 2  # restarted and serving


async def test_ask_timeout_is_a_timeout_error_and_late_reply_is_discarded(
    clock: ManualClock,
) -> None:
    gate = asyncio.Event()
    async with ActorSystem(clock=clock) as system:
        ref = await system.spawn(Gate, gate)
        slow = asyncio.ensure_future(ref.ask("wait", timeout=1.0))
        await clock.advance(0.5)
        assert not slow.done()
        await clock.advance(0.5)
        with pytest.raises(AskTimeout) as info:
            await slow
        assert isinstance(info.value, TimeoutError)
        gate.set()  # the late reply ("wait") must not reach the next ask
        assert await ref.ask("next") == "next"


async def test_ask_to_stopped_actor_fails_at_once() -> None:
    async with ActorSystem() as system:
        ref = await system.spawn(Counter)
        await ref.stop()
        with pytest.raises(NotDelivered, match="the ask was not delivered"):
            await ref.ask("get")  # never handled, so a retry is safe: the public subclass says so
        with pytest.raises(NotDelivered, match="no actor at '/missing'"):
            await system.ask("/missing", "get")


async def test_asks_queued_when_actor_stops_fail_with_actor_stopped() -> None:
    gate, entered = asyncio.Event(), asyncio.Event()
    async with ActorSystem() as system:
        ref = await system.spawn(Gate, gate, entered)
        ref.tell("wait")
        await entered.wait()
        queued = [asyncio.ensure_future(ref.ask(i)) for i in range(3)]
        await asyncio.sleep(0)
        stopping = asyncio.ensure_future(ref.stop())
        await asyncio.sleep(0)
        gate.set()
        await stopping
        for ask in queued:
            with pytest.raises(NotDelivered):
                await ask
        assert system.dead_letters.by_reason.get("stopping") == 3


async def test_ask_on_full_mailbox_waits_for_room_within_its_timeout(clock: ManualClock) -> None:
    gate, entered = asyncio.Event(), asyncio.Event()
    async with ActorSystem(clock=clock) as system:
        ref = await system.spawn(Gate, gate, entered, mailbox_size=1)
        ref.tell("wait")
        await entered.wait()
        ref.tell(1)
        waiting = asyncio.ensure_future(ref.ask(2, timeout=1.0))
        expired = asyncio.ensure_future(ref.ask(3, timeout=0.5))
        await clock.advance(0.5)
        with pytest.raises(AskTimeout):
            await expired
        gate.set()
        assert await waiting == 2
        assert await ref.ask("seen") == ["wait", 1, 2]  # the expired ask was never delivered


async def test_ten_thousand_concurrent_asks_complete() -> None:
    class Echo(Actor):
        async def receive(self, message: Any) -> Any:
            return message

    async with ActorSystem() as system:
        refs = [await system.spawn(Echo, mailbox_size=None) for _ in range(10)]
        results = await asyncio.gather(*(refs[i % 10].ask(i) for i in range(10_000)))
        assert results == list(range(10_000))


async def test_cancelling_an_asker_leaves_the_target_serving() -> None:
    gate, entered = asyncio.Event(), asyncio.Event()
    async with ActorSystem() as system:
        ref = await system.spawn(Gate, gate, entered)
        asker = asyncio.ensure_future(ref.ask("wait"))
        await entered.wait()
        asker.cancel()
        with pytest.raises(asyncio.CancelledError):
            await asker
        gate.set()
        assert await ref.ask("after") == "after"


async def test_tell_to_stopped_actor_is_a_dead_letter_not_an_error() -> None:
    async with ActorSystem() as system:
        ref = await system.spawn(Counter)
        await ref.stop()
        ref.tell(1)
        await ref.send(2)
        assert system.dead_letters.count == 2
        assert system.dead_letters.by_reason == {"stopped": 2}
        letter = system.dead_letters.recent[-1]
        assert (letter.message, letter.recipient, letter.reason) == (2, ref.path, "stopped")


async def test_stop_lets_current_message_finish_and_dead_letters_the_rest() -> None:
    gate, entered = asyncio.Event(), asyncio.Event()
    stopped: list[str] = []

    class Tracked(Gate):
        async def on_stop(self) -> None:
            stopped.append("on_stop")

    async with ActorSystem() as system:
        ref = await system.spawn(Tracked, gate, entered)
        ref.tell("wait")
        await entered.wait()
        ref.tell("queued-1")
        ref.tell("queued-2")
        stopping = asyncio.ensure_future(ref.stop())
        await asyncio.sleep(0)
        assert not stopping.done()
        gate.set()
        await stopping
        assert not ref.is_alive
        assert stopped == ["on_stop"]
        assert [d.message for d in system.dead_letters.recent] == ["queued-1", "queued-2"]
        await ref.stop()  # stopping a stopped actor is a no-op
        assert stopped == ["on_stop"]


async def test_self_stop_inside_receive() -> None:
    class Quitter(Actor):
        async def receive(self, message: Any) -> Any:
            self.stop()
            return "bye"

    async with ActorSystem() as system:
        probe = await Probe.spawn(system)
        ref = await system.spawn(Quitter, restart="transient")

        class Watcher(Actor):
            async def on_start(self) -> None:
                self.watch(ref)

            async def receive(self, message: Any) -> None:
                probe.ref.tell(message)

        await system.spawn(Watcher)
        assert await ref.ask("quit") == "bye"
        terminated = await probe.expect(actorkit.Terminated)
        assert terminated.ref == ref and terminated.reason is None
        assert not ref.is_alive


async def test_awaiting_own_stop_from_inside_does_not_deadlock() -> None:
    class Stopper(Actor):
        async def receive(self, message: Any) -> Any:
            await self.ref.stop()
            return "ok"

    async with ActorSystem() as system:
        ref = await system.spawn(Stopper)
        assert await ref.ask("stop yourself") == "ok"
        with pytest.raises(ActorStopped):
            await ref.ask("again")


async def test_on_start_runs_before_first_message_and_spawn_waits_for_it() -> None:
    order: list[str] = []

    class Starter(Actor):
        async def on_start(self) -> None:
            await asyncio.sleep(0)
            order.append("start")

        async def receive(self, message: Any) -> None:
            order.append(message)

    async with ActorSystem() as system:
        ref = await system.spawn(Starter)
        assert order == ["start"]
        await ref.ask("m")
        assert order == ["start", "m"]


async def test_on_start_failure_makes_spawn_raise_and_starts_nothing() -> None:
    class Broken(Actor):
        async def on_start(self) -> None:
            raise RuntimeError("cannot start")

    async with ActorSystem() as system:
        with pytest.raises(RuntimeError, match="cannot start"):
            await system.spawn(Broken, name="broken")
        assert system.lookup("/broken") is None
        ok = await system.spawn(Counter, name="broken")  # the name is free again
        assert ok.is_alive


async def test_system_leaves_no_tasks_behind() -> None:
    before = leftover_tasks()
    async with ActorSystem() as system:
        refs = [await system.spawn(Counter) for _ in range(50)]
        for ref in refs:
            ref.tell(1)
    await asyncio.sleep(0)
    assert leftover_tasks() == before


async def test_run_uses_uvloop() -> None:
    # actorkit.run itself is exercised in test_runner; here only the selection logic.
    from actorkit._runner import loop_factory

    factory = loop_factory()
    assert factory is not None
    loop = factory()
    try:
        assert type(loop).__module__.startswith("uvloop")
    finally:
        loop.close()
