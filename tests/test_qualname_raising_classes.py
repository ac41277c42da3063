"""Classes whose metaclass makes `__qualname__` raise (a lazy proxy's), where the runtime reads
`type(x).__qualname__` to name them: in a refusal, a log line, or on its own way (an actor
made outside a spawn, a durable actor's snapshot). Each read raised the metaclass's error
instead: a user met `RuntimeError: no __qualname__ here` calling their actor class in a unit
test, or in place of a refusal that said what to change. The name shown is the one the class
was made with (tests/test_qualname_raising_user_objects.py holds the reads through
`_shown.named`)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

import actorkit
from actorkit import Actor, ActorSystem
from actorkit._shown import shown
from actorkit.persistence import EventSourced, MemoryStore

from .hardening_support import BOUND


class Unnamed(type):
    """A metaclass whose classes cannot say their `__qualname__`."""

    def __getattribute__(cls, name: str) -> Any:
        if name == "__qualname__":
            raise RuntimeError("no __qualname__ here")
        return super().__getattribute__(name)


class Hidden(Actor, metaclass=Unnamed):
    async def receive(self, message: Any) -> Any:
        return message


def test_an_actor_made_outside_a_spawn_is_made_and_says_to_spawn_it() -> None:
    actor = Hidden()  # raised the metaclass's error from `Actor.__init__`
    with pytest.raises(AttributeError, match=r"await system\.spawn\(Hidden\)"):
        actor.ref  # noqa: B018
    with pytest.raises(AttributeError, match=r"this Hidden was not spawned"):
        actor.tell("x")  # type: ignore[attr-defined]


async def test_an_actor_instance_given_as_a_factory_is_refused_naming_its_class() -> None:
    async with ActorSystem(metrics=False) as system:
        async with asyncio.timeout(BOUND):
            with pytest.raises(TypeError, match=r"pass its class \(spawn\(Hidden, \.\.\.\)\)"):
                await system.spawn(Hidden())  # type: ignore[arg-type]


class Unprintable(metaclass=Unnamed):
    def __repr__(self) -> str:
        raise ValueError("no repr either")


def test_an_object_whose_repr_and_class_qualname_raise_is_shown_by_its_class_name() -> None:
    assert shown(Unprintable()) == "<Unprintable instance>"


def durable_counter() -> type[EventSourced]:
    """Made in the test: the class statement itself raised (`snapshot_every`'s check)."""

    class Counter(EventSourced, metaclass=Unnamed):
        snapshot_every = 2

        def __init__(self) -> None:
            super().__init__()
            self.count = 0

        def apply(self, event: Any) -> None:
            self.count += event

        async def receive(self, message: Any) -> Any:
            await self.persist(message)
            return self.count

    return Counter


async def test_a_durable_actor_of_such_a_class_takes_its_snapshots() -> None:
    counter = durable_counter()
    store = MemoryStore()
    async with ActorSystem(metrics=False, store=store) as system:
        async with asyncio.timeout(BOUND):
            ref = await system.spawn(counter, persistence_id="counter")
            for _ in range(4):
                await ref.ask(1)
            await ref.stop()
            snapshot = await store.load_snapshot("counter")
            assert snapshot is not None and snapshot.seq == 4
            ref = await system.spawn(counter, persistence_id="counter")
            assert await ref.ask(0) == 4


@pytest.mark.parametrize("form", ["bare", "called"])
def test_message_refuses_such_a_class_naming_it_with_what_to_change(form: str) -> None:
    """`@dataclass` and `@attrs.define` read `__qualname__` too, so such a class is never a
    message: the refusal says what to change, not the metaclass's error."""

    class Plain(metaclass=Unnamed):
        pass

    decorator = actorkit.message if form == "bare" else actorkit.message()
    with pytest.raises(TypeError, match=r"and attrs classes; \S*Plain is neither"):
        decorator(Plain)
