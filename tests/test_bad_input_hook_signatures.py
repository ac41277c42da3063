"""A hook the runtime cannot call as it calls it is refused at spawn, as one written without
`async` is: `receive` takes the message, `on_start` and `on_stop` take nothing. Otherwise each
message failed (and restarted the actor) with Python's "takes 1 positional argument but 2
were given", far from the mistake. An async generator (`async def` with `yield`) is told so,
not told to write `async def`, which it already is."""

from __future__ import annotations

import functools
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest

from actorkit import Actor, ActorSystem, ChildSpec


class NoMessage(Actor):
    async def receive(self) -> Any:  # type: ignore[override]
        return None


class TwoMessages(Actor):
    async def receive(self, message: Any, sender: Any) -> Any:  # type: ignore[override]
        return message


class StartTakes(Actor):
    async def on_start(self, config: Any) -> None:  # type: ignore[override]
        pass


class StopTakes(Actor):
    async def on_stop(self, reason: Any) -> None:  # type: ignore[override]
        pass


class Yields(Actor):
    async def receive(self, message: Any) -> AsyncIterator[Any]:  # type: ignore[override]
        yield message


def logged_generator(method: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(method)
    async def wrapper(*args: Any, **kwargs: Any) -> Any:
        return method(*args, **kwargs)

    return wrapper


class WrappedYields(Actor):
    @logged_generator
    async def receive(self, message: Any) -> AsyncIterator[Any]:
        yield message


BAD = [
    (
        NoMessage,
        r"NoMessage\.receive must take the message: write `async def receive\(self, message\)`",
    ),
    (
        TwoMessages,
        r"TwoMessages\.receive must take the message: write `async def receive\(self, message\)`",
    ),
    (StartTakes, r"StartTakes\.on_start takes no arguments: write `async def on_start\(self\)`"),
    (StopTakes, r"StopTakes\.on_stop takes no arguments: write `async def on_stop\(self\)`"),
    (
        Yields,
        r"Yields\.receive must be a coroutine function, got an async generator \(it yields\): "
        r"return the reply instead, from `async def receive\(self, message\)` without yield",
    ),
    (  # the wrapper is a coroutine function: what it wraps yields
        WrappedYields,
        r"WrappedYields\.receive must be a coroutine function, got an async generator",
    ),
]


@pytest.mark.parametrize(("cls", "says"), BAD, ids=[cls.__name__ for cls, _ in BAD])
async def test_a_hook_that_cannot_be_called_as_the_runtime_calls_it_is_refused_at_spawn(
    cls: type[Actor], says: str
) -> None:
    async with ActorSystem("hooks") as system:
        with pytest.raises(TypeError, match=says):
            await system.spawn(cls)
        with pytest.raises(TypeError, match=says):
            ChildSpec(cls)
        assert system.actor_count == 0


def logged(method: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(method)
    async def wrapper(*args: Any, **kwargs: Any) -> Any:
        return await method(*args, **kwargs)

    return wrapper


class Defaults(Actor):
    async def receive(self, message: Any, retries: int = 3) -> Any:
        return message

    async def on_start(self, *args: Any) -> None:
        pass


class Static(Actor):
    @staticmethod
    async def receive(message: Any) -> Any:
        return message


class Wrapped(Actor):
    @logged
    async def receive(self, message: Any) -> Any:
        return message


class Variadic(Actor):
    async def receive(self, *args: Any) -> Any:
        return args[0]


@pytest.mark.parametrize("cls", [Defaults, Static, Wrapped, Variadic], ids=lambda c: c.__name__)
async def test_hooks_the_runtime_can_call_are_accepted(cls: type[Actor]) -> None:
    async with ActorSystem("hooks") as system:
        ref = await system.spawn(cls)
        assert await ref.ask("x") == "x"


def passing_a_tag(method: Callable[..., Any]) -> Callable[..., Any]:
    """A decorator that hands the method an argument of its own: the wrapper is what the
    runtime calls, whatever `__wrapped__` (which `inspect.signature` follows) takes."""

    @functools.wraps(method)
    async def wrapper(self: Any, message: Any) -> Any:
        return await method(self, message, "tagged")

    return wrapper


class Tagged(Actor):
    @passing_a_tag
    async def receive(self, message: Any, tag: str) -> Any:
        return message if tag == "tagged" else None


class Dispatched(Actor):
    @functools.singledispatchmethod
    async def receive(self, message: Any) -> Any:
        return message

    @receive.register
    async def _(self, message: int) -> Any:
        return message + 1


@pytest.mark.parametrize("cls", [Tagged, Dispatched], ids=lambda c: c.__name__)
async def test_a_hook_is_checked_as_the_runtime_calls_it_not_as_what_it_wraps(
    cls: type[Actor],
) -> None:
    async with ActorSystem("hooks") as system:
        ref = await system.spawn(cls)
        assert await ref.ask("x") == "x"
        assert await ref.ask(1) == (2 if cls is Dispatched else 1)
