"""An instance a restart replaced (a task it left running) reaches nothing of its successor
through `watch`, `subscribe`, `unwatch` or `unsubscribe`, as through `spawn` and `timers`
(api.md §1, §5, §9): the new instance hears of no actor and no topic it did not ask for,
and keeps what it registered itself."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from actorkit import Actor, ActorStopped, ActorSystem, Terminated
from actorkit.testing import instance


class Other(Actor):
    async def receive(self, message: Any) -> Any:
        return message


class Keeper(Actor):
    """Records what it is sent; "crash" fails it, a callable runs on the instance."""

    def __init__(self, seen: list[Any]) -> None:
        self.seen = seen

    async def receive(self, message: Any) -> Any:
        if message == "crash":
            raise RuntimeError("crashed on purpose")
        if callable(message):
            return message(self)
        self.seen.append(message)
        return None


async def replaced(system: ActorSystem, seen: list[Any]) -> tuple[Any, Keeper]:
    """A keeper whose first instance a restart replaced, and that first instance."""
    ref = await system.spawn(Keeper, seen, name="keeper")
    old = await ref.ask(lambda actor: actor)
    with pytest.raises(RuntimeError):
        await ref.ask("crash")
    await ref.ask(lambda actor: None)  # the new instance answers
    assert instance(ref) is not old
    return ref, old


async def test_a_replaced_instance_cannot_watch_for_its_successor() -> None:
    seen: list[Any] = []
    async with asyncio.timeout(5), ActorSystem() as system:
        other = await system.spawn(Other, name="other")
        ref, old = await replaced(system, seen)
        with pytest.raises(ActorStopped, match="this instance of /keeper was replaced by a "):
            old.watch(other)
        await other.stop()
        await ref.ask(lambda actor: None)
        assert not [message for message in seen if isinstance(message, Terminated)]


async def test_a_replaced_instance_cannot_subscribe_for_its_successor() -> None:
    seen: list[Any] = []
    async with asyncio.timeout(5), ActorSystem() as system:
        ref, old = await replaced(system, seen)
        with pytest.raises(ActorStopped, match="this instance of /keeper was replaced by a "):
            old.subscribe("prices.eur")
        assert system.publish("prices.eur", "stale") == 0
        await ref.ask(lambda actor: None)
        assert seen == []


async def test_a_replaced_instance_leaves_its_successors_watch_and_subscription() -> None:
    """Its cleanup (`unwatch`, `unsubscribe` in a task it left running) is a no-op, as its
    `self.stop()` is: what the successor registered stays the successor's."""
    seen: list[Any] = []
    async with asyncio.timeout(5), ActorSystem() as system:
        other = await system.spawn(Other, name="other")
        ref, old = await replaced(system, seen)
        await ref.ask(lambda actor: (actor.watch(other), actor.subscribe("prices.eur")))
        old.unwatch(other)
        old.unsubscribe("prices.eur")
        old.unsubscribe()
        assert system.publish("prices.eur", "fresh") == 1
        await other.stop()
        await ref.ask(lambda actor: None)
        assert seen[0] == "fresh"
        assert [type(message) for message in seen] == [str, Terminated]
