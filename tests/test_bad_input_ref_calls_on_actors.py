"""`tell`, `send` and `ask` called on an actor instance, as Akka code writes `self.tell(...)`
(there, `self` is the ref): they are the ref's, and the error says what to write instead
rather than Python's bare "'Worker' object has no attribute 'tell'". An actor's own method
or attribute of one of those names is its own, as any other is."""

from __future__ import annotations

import asyncio
import copy
import inspect
from typing import Any

import pytest

from actorkit import Actor, ActorSystem
from actorkit.persistence._attributes import attributes
from actorkit.testing import instance

CALLS = ("tell", "send", "ask")


class Worker(Actor):
    async def receive(self, message: Any) -> Any:
        try:
            getattr(self, message)("hello")
        except AttributeError as error:
            return error
        return None


@pytest.mark.parametrize("call", CALLS)
async def test_a_call_of_the_ref_s_on_self_says_to_write_self_ref(call: str) -> None:
    async with asyncio.timeout(5.0), ActorSystem() as system:
        ref = await system.spawn(Worker)
        error = await ref.ask(call)
        assert isinstance(error, AttributeError)
        assert (error.name, error.obj) == (call, instance(ref))
        said = str(error)
        assert said.startswith(f"'Worker' object has no attribute '{call}': ")
        assert f"self.ref.{call}(...)" in said and "the ref spawn returned" in said
        assert not hasattr(instance(ref), call)


async def test_an_ask_of_self_says_it_would_wait_out_its_timeout() -> None:
    async with asyncio.timeout(5.0), ActorSystem() as system:
        error = await (await system.spawn(Worker)).ask("ask")
        assert "waits out the timeout" in str(error)


@pytest.mark.parametrize("call", CALLS)
def test_a_call_of_the_ref_s_on_an_instance_never_spawned_says_to_spawn_it(call: str) -> None:
    with pytest.raises(AttributeError, match=r"this Worker was not spawned") as caught:
        getattr(Worker(), call)("hello")
    assert f"ref = await system.spawn(Worker), then ref.{call}(...)" in str(caught.value)


class OwnNames(Actor):
    """An actor with its own `tell` method, `send` attribute and `stop` override."""

    def __init__(self) -> None:
        self.send = ["kept"]
        self.stopped = False

    def tell(self, message: Any) -> str:
        return f"told {message}"

    def stop(self) -> None:
        self.stopped = True
        super().stop()

    async def receive(self, message: Any) -> Any:
        if message == "stop":
            self.stop()
            return self.stopped
        return self.tell(message), self.send


async def test_an_actor_s_own_method_or_attribute_of_those_names_is_its_own() -> None:
    async with asyncio.timeout(5.0), ActorSystem() as system:
        ref = await system.spawn(OwnNames, restart="temporary")
        assert await ref.ask("x") == ("told x", ["kept"])
        actor = instance(ref)
        assert isinstance(actor, OwnNames)
        assert attributes(actor)["send"] == ["kept"]  # state, as a snapshot keeps it
        assert copy.deepcopy(actor).send == ["kept"]
        del actor.send
        assert not hasattr(actor, "send")
        assert await ref.ask("stop") is True  # its own `stop`, which stops it as ever


class Direct(Actor):
    """Calls `self.tell(...)` as written in a handler, not through `getattr`: Python 3.11's
    method call takes another path, which names no attribute by itself."""

    async def receive(self, message: Any) -> Any:
        try:
            self.tell(message)  # type: ignore[attr-defined]
        except AttributeError as error:
            return error
        return None


async def test_a_call_written_as_self_tell_names_the_attribute_and_the_actor() -> None:
    async with asyncio.timeout(5.0), ActorSystem() as system:
        ref = await system.spawn(Direct)
        error = await ref.ask("hello")
        assert isinstance(error, AttributeError)
        assert (error.name, error.obj) == ("tell", instance(ref))
        assert "self.ref.tell(...)" in str(error)


@pytest.mark.parametrize("call", CALLS)
def test_the_names_are_there_on_the_class_for_introspection(call: str) -> None:
    """Listed and found statically; read on the class, refused, as dataclasses' descriptor
    protocol asks of one that gives a field named so no default (tests/test_bad_input_habits)."""
    assert call in dir(Worker) and inspect.getattr_static(Worker, call) is not None
    assert not hasattr(Worker, call)


def test_deleting_a_name_the_actor_does_not_hold_is_refused_as_for_any_attribute() -> None:
    actor = OwnNames()
    del actor.send
    with pytest.raises(AttributeError):
        del actor.send
    with pytest.raises(AttributeError):
        del actor.ask  # type: ignore[attr-defined]
