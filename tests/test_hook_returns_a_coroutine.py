"""`on_start` or `on_stop` that returns a coroutine instead of awaiting it (`return
self.spawn(...)`): its work never ran, and only Python's "never awaited" warning said so,
later and elsewhere. The hook fails with a `TypeError` saying to await it, as a handler's
`return self.persist(...)` does: `spawn` raises it, a restart's `on_start` fails the actor
again, an `on_stop`'s is logged as that hook's failure; no warning is left."""

from __future__ import annotations

import asyncio
import gc
import logging
import warnings
from typing import Any

import pytest

from actorkit import Actor, ActorSystem

from .hardening_support import BOUND


class Kid(Actor):
    async def receive(self, message: Any) -> Any:
        return message


class SpawnsUnawaited(Actor):
    async def on_start(self) -> Any:
        return self.spawn(Kid, name="kid")

    async def receive(self, message: Any) -> Any:
        return message


class StopsUnawaited(Actor):
    async def on_stop(self) -> Any:
        return asyncio.sleep(0)

    async def receive(self, message: Any) -> Any:
        return message


class ReturnsAValue(Actor):
    """A value that is no coroutine is ignored, as before."""

    async def on_start(self) -> Any:
        return 42

    async def receive(self, message: Any) -> Any:
        return message


async def test_on_start_returning_spawn_fails_the_spawn_saying_to_await_it() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a "never awaited" warning would fail the test
        async with ActorSystem(metrics=False) as system:
            async with asyncio.timeout(BOUND):
                with pytest.raises(TypeError) as refused:
                    await system.spawn(SpawnsUnawaited, name="parent")
                assert system.actor_count == 0
                assert await (await system.spawn(ReturnsAValue)).ask("ok") == "ok"
        gc.collect()
    said = str(refused.value)
    assert "on_start of /parent returned a coroutine of Actor.spawn" in said
    assert "write `ref = await self.spawn(...)` in the hook" in said


async def test_on_stop_returning_a_coroutine_is_logged_as_its_failure(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        async with ActorSystem(metrics=False) as system:
            async with asyncio.timeout(BOUND):
                ref = await system.spawn(StopsUnawaited, name="stops")
                with caplog.at_level(logging.ERROR, logger="actorkit"):
                    await ref.stop()
        gc.collect()
    logged = [r.getMessage() for r in caplog.records if "on_stop of /stops" in r.getMessage()]
    assert logged, caplog.text
    assert "returned a coroutine of sleep instead of awaiting it" in logged[0]


class Flaky(Actor):
    """Its restarted instances' `on_start` returns the spawn unawaited."""

    def __init__(self, starts: list[int], third: asyncio.Event) -> None:
        self.starts = starts
        self.third = third

    async def on_start(self) -> Any:
        self.starts.append(len(self.starts))
        if len(self.starts) == 3:
            self.third.set()
        if len(self.starts) > 1:
            return self.spawn(Kid)
        return None

    async def receive(self, message: Any) -> Any:
        raise RuntimeError("restart me")


async def test_a_restarted_instance_on_start_returning_spawn_fails_again(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The second instance's `on_start` fails, so its supervisor starts a third."""
    starts: list[int] = []
    third = asyncio.Event()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        async with ActorSystem(metrics=False) as system:
            async with asyncio.timeout(BOUND):
                ref = await system.spawn(Flaky, starts, third, name="flaky")
                with caplog.at_level(logging.ERROR, logger="actorkit"):
                    with pytest.raises(RuntimeError):
                        await ref.ask("fail")
                    await third.wait()
        gc.collect()
    assert "on_start of /flaky returned a coroutine of Actor.spawn" in caplog.text
