"""A hook is anything the class binds to its instance that gives a coroutine when called: an
`async def`, a `functools.partialmethod` of one (which `inspect.iscoroutinefunction` sees
through on the class only from Python 3.13) and an object whose `__call__` is `async def`
(what `self.receive = handler` accepts already, §1). Refused at spawn, each worked, but only
on some Python versions or only when assigned in `__init__`. What is refused says what to do
on the Python it runs on: `inspect.markcoroutinefunction` exists from 3.12 only."""

from __future__ import annotations

import functools
import inspect
from typing import Any

import pytest

from actorkit import Actor, ActorSystem


class Handler:
    """A dispatcher shared by the class: it gets the message only, as a staticmethod does."""

    async def __call__(self, message: Any) -> Any:
        return ("handled", message)


class CallableReceive(Actor):
    receive = Handler()


class PartialReceive(Actor):
    async def handle(self, message: Any, kind: str) -> Any:
        return (kind, message)

    receive = functools.partialmethod(handle, kind="partial")


class PartialStart(Actor):
    async def begin(self, greeting: str) -> None:
        self.greeting = greeting

    on_start = functools.partialmethod(begin, "hello")

    async def receive(self, message: Any) -> Any:
        return self.greeting


@pytest.mark.parametrize(
    ("cls", "answer"),
    [
        (CallableReceive, ("handled", "x")),
        (PartialReceive, ("partial", "x")),
        (PartialStart, "hello"),
    ],
    ids=lambda value: value.__name__ if isinstance(value, type) else "",
)
async def test_an_async_callable_the_class_binds_is_a_hook(cls: type[Actor], answer: Any) -> None:
    async with ActorSystem("hooks") as system:
        ref = await system.spawn(cls)
        assert await ref.ask("x", timeout=1.0) == answer


class SyncHandler:
    def __call__(self, message: Any) -> Any:
        return message


class SyncCallableReceive(Actor):
    receive = SyncHandler()


class SyncPartialReceive(Actor):
    def handle(self, message: Any, kind: str) -> Any:
        return message

    receive = functools.partialmethod(handle, kind="sync")


class NoMessageHandler:
    async def __call__(self) -> Any:
        return None


class CallableWithoutMessage(Actor):
    receive = NoMessageHandler()  # type: ignore[assignment]


class PartialWithoutMessage(Actor):
    async def handle(self, kind: str) -> Any:
        return kind

    receive = functools.partialmethod(handle, kind="none")


@pytest.mark.parametrize(
    ("cls", "says"),
    [
        (SyncCallableReceive, "must be a coroutine function"),
        (SyncPartialReceive, "must be a coroutine function"),
        (CallableWithoutMessage, "must take the message"),
        (PartialWithoutMessage, "must take the message"),
    ],
    ids=lambda value: value.__name__ if isinstance(value, type) else "",
)
async def test_a_callable_that_gives_no_coroutine_or_takes_no_message_is_still_refused(
    cls: type[Actor], says: str
) -> None:
    async with ActorSystem("hooks") as system:
        with pytest.raises(TypeError, match=says):
            await system.spawn(cls)
        assert system.actor_count == 0


def logged(method: Any) -> Any:
    """A decorator whose wrapper is a plain function returning the coroutine, and says nothing
    of what it wraps (no `functools.wraps`, which `inspect.unwrap` would follow)."""

    def wrapper(self: Any, message: Any) -> Any:
        return method(self, message)

    return wrapper


class PlainWrapper(Actor):
    @logged
    async def receive(self, message: Any) -> Any:
        return message


async def test_the_refusal_of_a_plain_wrapper_names_only_what_this_python_has() -> None:
    async with ActorSystem("hooks") as system:
        with pytest.raises(TypeError) as refused:
            await system.spawn(PlainWrapper)
    said = str(refused.value)
    assert "an `async def` wrapper" in said
    assert ("markcoroutinefunction" in said) == hasattr(inspect, "markcoroutinefunction")
