"""Promises of docs/api.md §1-§4 and §8 about actors that no other test pinned: the attributes
the runtime provides cannot be shadowed by a class attribute either, a restart gets a fresh
instance from its factory (never the one it replaces) and goes back to the class's `receive`,
`>` subscribers hear of dead letters, and an ask cut off mid-handler by a forced stop is a
plain `ActorStopped`."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from actorkit import (
    Actor,
    ActorStopped,
    ActorSystem,
    ChildSpec,
    DeadLetter,
    OneForOne,
    Supervisor,
    Terminated,
)

from .docs_promises_support import BOUND, Echo

SHADOWS: dict[str, Any] = {
    "ref": None,
    "name": "worker",
    "path": "/mine",
    "system": None,
    "parent": None,
    "children": (),
    "timers": (),
}


@pytest.mark.parametrize("attribute", sorted(SHADOWS))
async def test_a_class_attribute_shadowing_a_provided_one_is_refused_at_spawn(
    attribute: str,
) -> None:
    """`name = "worker"` in the class body hid the actor's name (and `timers = []` its
    timers) without a word: `self.name` answered "worker"."""
    shadows = type("Shadows", (Echo,), {attribute: SHADOWS[attribute]})
    async with asyncio.timeout(BOUND), ActorSystem(metrics=False) as system:
        with pytest.raises(TypeError) as refused:
            await system.spawn(shadows, name="x")
        text = str(refused.value)
        assert f"Shadows.{attribute}" in text
        assert "keep yours under another attribute name" in text
        with pytest.raises(TypeError, match=f"Shadows.{attribute} hides"):
            await system.spawn_pool(shadows, size=2)
        with pytest.raises(TypeError, match=f"Shadows.{attribute} hides"):
            await system.spawn(Supervisor, [ChildSpec(shadows)])
        assert system.actor_count == 0


class Counts(Actor):
    def __init__(self) -> None:
        self.count = 0

    async def receive(self, message: Any) -> Any:
        if message == "fail":
            raise ValueError("fail")
        self.count += 1
        return self.count


class Watches(Actor):
    def __init__(self, heard: asyncio.Queue[Terminated]) -> None:
        self.heard = heard

    async def receive(self, message: Any) -> None:
        if isinstance(message, Terminated):
            self.heard.put_nowait(message)
        else:
            self.watch(message)


async def test_a_restart_refuses_a_factory_returning_the_instance_it_replaces() -> None:
    """A restart calls the factory again for a fresh state: `lambda: counter` handed the
    failed instance back, its count carried on."""
    heard: asyncio.Queue[Terminated] = asyncio.Queue()
    instance = Counts()
    root = OneForOne(decider={TypeError: "stop"})
    async with asyncio.timeout(BOUND), ActorSystem(metrics=False, supervisor=root) as system:
        ref = await system.spawn(lambda: instance, name="counter")
        watcher = await system.spawn(Watches, heard)
        await watcher.ask(ref)
        assert await ref.ask("add") == 1
        with pytest.raises(ValueError):
            await ref.ask("fail")
        with pytest.raises(ActorStopped):
            await ref.ask("add")
        terminated = await heard.get()
        assert terminated.ref == ref
        assert isinstance(terminated.reason, TypeError)
        assert "the instance /counter had before its restart" in str(terminated.reason)
        assert instance.count == 1


async def test_a_factory_returning_a_new_instance_at_each_restart_is_taken() -> None:
    made: list[Counts] = []

    def factory() -> Counts:
        made.append(Counts())
        return made[-1]

    async with asyncio.timeout(BOUND), ActorSystem(metrics=False) as system:
        ref = await system.spawn(factory)
        assert await ref.ask("add") == 1
        with pytest.raises(ValueError):
            await ref.ask("fail")
        assert await ref.ask("add") == 1
        assert len(made) == 2


class Hears(Actor):
    def __init__(self, heard: asyncio.Queue[object]) -> None:
        self.heard = heard

    async def receive(self, message: Any) -> None:
        self.heard.put_nowait(message)


async def test_a_subscriber_of_every_topic_gets_each_dead_letter() -> None:
    heard: asyncio.Queue[object] = asyncio.Queue()
    async with asyncio.timeout(BOUND), ActorSystem(metrics=False) as system:
        everything = await system.spawn(Hears, heard)
        system.subscribe(everything, ">")
        gone = await system.spawn(Echo)
        await gone.stop()
        gone.tell("lost")
        record = await heard.get()
        assert isinstance(record, DeadLetter)
        assert (record.message, record.recipient, record.reason) == ("lost", gone.path, "stopped")
        assert system.dead_letters.count == 1


async def answers_otherwise(message: Any) -> Any:
    if message == "fail":
        raise ValueError("fail")
    return ("assigned", message)


class Becomes(Actor):
    async def receive(self, message: Any) -> Any:
        if message == "become":
            self.receive = answers_otherwise  # type: ignore[method-assign]
        return ("class", message)


async def test_a_restart_goes_back_to_the_classs_receive() -> None:
    async with asyncio.timeout(BOUND), ActorSystem(metrics=False) as system:
        ref = await system.spawn(Becomes)
        await ref.ask("become")
        assert await ref.ask(1) == ("assigned", 1)
        with pytest.raises(ValueError):
            await ref.ask("fail")
        assert await ref.ask(2) == ("class", 2)


class Hangs(Actor):
    def __init__(self, handling: asyncio.Event) -> None:
        self.handling = handling

    async def receive(self, message: Any) -> None:
        self.handling.set()
        await asyncio.Event().wait()


async def test_an_ask_cut_off_mid_handler_by_a_forced_stop_is_a_plain_actor_stopped() -> None:
    """It was being handled, so it may have had effects: no `NotDelivered` promise."""
    handling = asyncio.Event()
    async with asyncio.timeout(BOUND), ActorSystem(metrics=False) as system:
        ref = await system.spawn(Hangs, handling)
        asked = asyncio.ensure_future(ref.ask("work", timeout=BOUND))
        await handling.wait()
        await ref.stop(timeout=0.01)
        with pytest.raises(ActorStopped) as cut:
            await asked
        assert type(cut.value) is ActorStopped
