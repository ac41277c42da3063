"""Context variables and actors: an actor's task runs in a copy of its spawner's context, as
any asyncio task does in its creator's; a sender's context does not travel with a message."""

from __future__ import annotations

import asyncio
import contextvars
import gc
import logging
import weakref
from typing import Any

import pytest

from actorkit import Actor, ActorSystem, ChildSpec, OneForAll, Supervisor
from actorkit.testing import snapshot

BOUND = 5.0
request: contextvars.ContextVar[str] = contextvars.ContextVar("request", default="none")


class Reads(Actor):
    async def receive(self, message: Any) -> Any:
        if message == "set":
            request.set("inside")
            return request.get()
        if message == "spawn":
            child = await self.spawn(Reads)
            return await child.ask("get")
        return request.get()


async def test_an_actor_sees_its_spawners_context_not_its_senders() -> None:
    async with asyncio.timeout(BOUND), ActorSystem() as system:
        request.set("spawner")
        actor = await system.spawn(Reads)
        request.set("sender")
        assert await actor.ask("get") == "spawner"
        assert request.get() == "sender"


async def test_a_value_an_actor_sets_stays_its_own() -> None:
    async with asyncio.timeout(BOUND), ActorSystem() as system:
        first, second = await system.spawn(Reads), await system.spawn(Reads)
        assert await first.ask("set") == "inside"
        assert await first.ask("get") == "inside"  # kept for its next message
        assert await second.ask("get") == "none"
        assert request.get() == "none"


async def test_a_child_spawned_in_a_handler_sees_its_parents_context() -> None:
    async with asyncio.timeout(BOUND), ActorSystem() as system:
        parent = await system.spawn(Reads)
        await parent.ask("set")
        assert await parent.ask("spawn") == "inside"


async def test_an_actor_with_on_start_sees_its_spawners_context_there_and_after() -> None:
    """`Reads` has no hooks, so its task is made by its first message (the spawner's context
    is kept until then); one with `on_start` gets its task at the spawn."""

    class Starts(Reads):
        async def on_start(self) -> None:
            self.seen = request.get()

        async def receive(self, message: Any) -> Any:
            return (self.seen, request.get())

    async with asyncio.timeout(BOUND), ActorSystem() as system:
        request.set("spawner")
        actor = await system.spawn(Starts)
        request.set("sender")
        assert await actor.ask("get") == ("spawner", "spawner")


async def test_a_value_set_before_a_restart_is_still_set_after_it() -> None:
    """One task for the actor's whole life, restarts included (the mailbox is kept too)."""

    class Fails(Reads):
        async def receive(self, message: Any) -> Any:
            if message == "fail":
                raise RuntimeError("on purpose")
            return await super().receive(message)

    async with asyncio.timeout(BOUND), ActorSystem() as system:
        actor = await system.spawn(Fails)
        await actor.ask("set")
        actor.tell("fail")
        assert await actor.ask("get") == "inside"


class Records(Actor):
    """Keeps what it saw when a message woke it; `"seen"` asks for it."""

    def __init__(self) -> None:
        self.seen: list[str] = []

    async def receive(self, message: Any) -> Any:
        if message == "seen":
            return self.seen
        self.seen.append(request.get())
        return None


class Tells(Actor):
    """Sets its own value, then tells and sends to the actors it is given."""

    async def receive(self, message: Any) -> Any:
        request.set("sending actor")
        for target in message:
            target.tell("told")
            await target.send("sent")


async def test_a_tell_or_send_carries_no_context_even_as_the_first_message() -> None:
    """The first message of an actor with no hooks makes its task (test_dormant): a tell or
    a send making it, from a caller or another actor's handler, still runs it in the
    spawner's context, as an ask does."""
    async with asyncio.timeout(BOUND), ActorSystem() as system:
        request.set("spawner")
        woken_here, woken_there = await system.spawn(Records), await system.spawn(Records)
        teller = await system.spawn(Tells)
        request.set("sender")
        woken_here.tell("told")
        await woken_here.send("sent")
        assert await woken_here.ask("seen") == ["spawner", "spawner"]
        await teller.ask([woken_there])
        assert await woken_there.ask("seen") == ["spawner", "spawner"]


class Remembers(Actor):
    """Keeps the value its `__init__` saw; "set" sets its own, "fail" fails it."""

    def __init__(self, journal: list[str]) -> None:
        journal.append(request.get())

    async def receive(self, message: Any) -> Any:
        if message == "fail":
            raise RuntimeError("on purpose")
        if message == "set":
            request.set("inside")
        return request.get()


async def test_a_restart_made_in_place_runs_init_in_the_actors_context() -> None:
    """An idle sibling without hooks is restarted by its supervisor in place, its task left
    parked (`_restart_steps`): its `__init__` still sees the actor's context, with the value
    its handler set, not the supervisor's."""
    journal: list[str] = []
    specs = [ChildSpec(Remembers, journal, name=name) for name in ("a", "b")]
    async with asyncio.timeout(BOUND), ActorSystem() as system:
        request.set("spawner")
        await system.spawn(Supervisor, specs, OneForAll(), name="sup")
        a, b = system.lookup("/sup/a"), system.lookup("/sup/b")
        assert a is not None and b is not None
        assert await b.ask("set") == "inside"
        request.set("caller")
        a.tell("fail")
        assert await a.ask("get") == "spawner"
        assert await b.ask("get") == "inside"
        assert snapshot(b).restarts == 1
    assert journal == ["spawner", "spawner", "spawner", "inside"]


class Kept:
    """A value held by a context variable, to see whether a context is still alive."""


kept: contextvars.ContextVar[Kept | None] = contextvars.ContextVar("kept", default=None)


class Keeps(Actor):
    """No hook (dormant, restarted in place): "keep" sets its own `Kept`, and answers a weak
    reference to it; "fail" fails it."""

    async def receive(self, message: Any) -> Any:
        if message == "fail":
            raise RuntimeError("on purpose")
        if message == "keep":
            value = Kept()
            kept.set(value)
            return weakref.ref(value)
        return message


class Keeping(logging.Handler):
    """Keeps every record, as a handler that buffers them does: a crash report's failure,
    its traceback, and the frames that traceback went through, with their locals."""

    def __init__(self) -> None:
        super().__init__()
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.mark.parametrize("how", ["never woken", "restarted in place", "cut, then restarted"])
async def test_a_stopped_actor_s_ref_keeps_no_context_alive(how: str) -> None:
    """Its cell holds the context its task runs in until it closes (`Cell.context`): its
    spawner's copy, taken dormant, or the copy a cut hands to its next task. A ref kept to
    it once it stopped holds neither, nor what their variables hold; nor does the crash
    report of a failure of its that a log handler keeps."""
    keeping = Keeping()
    logging.getLogger("actorkit").addHandler(keeping)
    try:
        await stops_keeping_no_context(how)
    finally:
        logging.getLogger("actorkit").removeHandler(keeping)
    assert how == "never woken" or keeping.records


async def stops_keeping_no_context(how: str) -> None:
    """The spawner's value is in every copy of its context, the supervisor's task's too: gone
    once the system is down. The value b's handler set is in b's alone: gone once b stopped,
    its ref still held."""

    async def spawn_keeping() -> weakref.ref[Kept]:
        value = Kept()
        kept.set(value)
        shutdown = 0 if how.startswith("cut") else None  # 0: cut without waiting
        team = [ChildSpec(Keeps, name="a"), ChildSpec(Keeps, name="b")]
        await system.spawn(Supervisor, team, OneForAll(shutdown=shutdown), name="sup")
        return weakref.ref(value)

    async with asyncio.timeout(BOUND), ActorSystem() as system:
        values = [await asyncio.create_task(spawn_keeping())]
        a, b = system.lookup("/sup/a"), system.lookup("/sup/b")
        assert a is not None and b is not None
        if how != "never woken":
            values.append(await b.ask("keep"))
            a.tell("fail")
            assert await a.ask("x") == "x"
            assert await b.ask("x") == "x"
            assert snapshot(b).restarts == 1
        gc.collect()
        assert all(value() is not None for value in values)
        await b.stop()
        await a.stop()
        gc.collect()
        assert [value() for value in values][1:] == [None] * (len(values) - 1)
    gc.collect()
    assert [value() for value in values] == [None] * len(values)
    assert snapshot(b).state == "stopped"
