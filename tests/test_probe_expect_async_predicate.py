"""`Probe.expect` with an `async def` predicate: calling it makes a coroutine, which is true
whatever the message, so the check passed every message unseen (with only a "never
awaited" warning). It is refused before a message is taken, saying to pass a plain
function; a predicate that returns an awaitable anyway (a lambda around an async call, a
callable object whose `__call__` is async) fails on the message, saying the same."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from actorkit import ActorSystem
from actorkit.testing import ManualClock, Probe


async def is_big(message: int) -> bool:
    return message > 100


class AsyncCheck:
    async def __call__(self, message: Any) -> bool:
        return True


async def test_an_async_predicate_is_refused_before_a_message_is_taken() -> None:
    async with asyncio.timeout(5.0), ActorSystem(clock=ManualClock()) as system:
        probe = await Probe.spawn(system)
        probe.ref.tell(1)
        with pytest.raises(TypeError, match=r"is_big.*async.*plain function"):
            await probe.expect(is_big, timeout=1.0)
        assert await probe.expect(1, timeout=1.0) == 1  # still there: nothing was taken


@pytest.mark.filterwarnings("error::RuntimeWarning")  # no coroutine is left unawaited
@pytest.mark.parametrize(
    "check", [lambda m: is_big(m), AsyncCheck()], ids=["lambda around one", "async __call__"]
)
async def test_a_predicate_that_returns_an_awaitable_fails_saying_so(check: Any) -> None:
    async with asyncio.timeout(5.0), ActorSystem(clock=ManualClock()) as system:
        probe = await Probe.spawn(system)
        probe.ref.tell(1)
        with pytest.raises(AssertionError, match=r"got 1.*awaitable.*plain function"):
            await probe.expect(check, timeout=1.0)
