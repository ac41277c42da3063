"""A clock of the user's own, passed as `ActorSystem(clock=...)`: what it must have is
checked when the system is made, each error naming what to change, rather than failing at
the first ask (docs/api.md §5)."""

from __future__ import annotations

import asyncio
import math
from collections.abc import Callable
from typing import Any

import pytest

from actorkit import Actor, ActorSystem
from actorkit.testing import ManualClock


class OwnClock:
    """A clock that delegates to a `ManualClock`, with a `resolution` of the test's choice."""

    def __init__(self, resolution: object) -> None:
        self.inner = ManualClock()
        if resolution is not None:
            self.resolution = resolution

    def now(self) -> float:
        return self.inner.now()

    def call_at(self, when: float, callback: Callable[[], object]) -> Any:
        return self.inner.call_at(when, callback)

    def attach(self, loop: asyncio.AbstractEventLoop, idle: Callable[[], bool]) -> None:
        self.inner.attach(loop, idle)

    def detach(self, idle: Callable[[], bool]) -> None:
        self.inner.detach(idle)


class Echo(Actor):
    async def receive(self, message: Any) -> Any:
        return message


@pytest.mark.parametrize(
    ("resolution", "error", "says"),
    [
        (None, TypeError, "clock.resolution must be a number of seconds, got NoneType"),
        ("5ms", TypeError, "clock.resolution must be a number of seconds, got str"),
        (-0.001, ValueError, "clock.resolution must be >= 0 seconds"),
        (math.inf, ValueError, "clock.resolution must be >= 0 seconds and finite"),
    ],
)
def test_a_clock_without_a_good_resolution_is_refused_saying_so(
    resolution: object, error: type[Exception], says: str
) -> None:
    with pytest.raises(error, match=says.replace("(", r"\(")):
        ActorSystem(clock=OwnClock(resolution))  # type: ignore[arg-type]


@pytest.mark.parametrize("resolution", [0, 0.005])
async def test_a_clock_of_your_own_serves_asks_and_their_timeouts(resolution: float) -> None:
    clock = OwnClock(resolution)
    async with asyncio.timeout(5), ActorSystem(metrics=False, clock=clock) as system:  # type: ignore[arg-type]
        echo = await system.spawn(Echo)
        assert await echo.ask("hello", timeout=1.0) == "hello"


@pytest.mark.parametrize("cls", [ManualClock, OwnClock])
def test_a_clock_class_given_for_its_instance_is_refused_saying_to_make_one(cls: type) -> None:
    with pytest.raises(TypeError) as raised:
        ActorSystem(clock=cls)  # type: ignore[arg-type]
    assert f"got the class {cls.__name__}: pass an instance, such as {cls.__name__}()" in str(
        raised.value
    )
