"""What the runtime reads of a hook, past the tests that pinned it
(tests/test_hook_returns_a_coroutine.py, tests/test_hook_assigned_in_a_handler.py): a hook
that returns an awaitable that is no coroutine (a future, a task) returned no work left
undone, and is ignored as any other value is; the `TypeError` of an `on_stop` that returned
a coroutine names `on_stop`; an `on_stop` a handler assigned as another bound method of the
actor's is passed over too, not only a plain function."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import pytest

from actorkit import Actor, ActorSystem

from .hardening_support import BOUND


class ReturnsAFuture(Actor):
    """A done future is awaitable, yet no coroutine: nothing of the hook's was left to run."""

    async def on_start(self) -> Any:
        done = asyncio.get_running_loop().create_future()
        done.set_result(None)
        return done

    async def on_stop(self) -> Any:
        return await self.on_start()

    async def receive(self, message: Any) -> Any:
        return message


async def test_a_hook_returning_an_awaitable_that_is_no_coroutine_is_ignored(
    caplog: pytest.LogCaptureFixture,
) -> None:
    async with ActorSystem(metrics=False) as system:
        async with asyncio.timeout(BOUND):
            with caplog.at_level(logging.ERROR, logger="actorkit"):
                ref = await system.spawn(ReturnsAFuture, name="future")
                assert await ref.ask("ok") == "ok"
                await ref.stop()
    assert "returned" not in caplog.text
    assert "failed" not in caplog.text


class StopsUnawaited(Actor):
    async def on_stop(self) -> Any:
        return asyncio.sleep(0)

    async def receive(self, message: Any) -> Any:
        return message


async def test_the_error_of_an_on_stop_returning_a_coroutine_names_on_stop(
    caplog: pytest.LogCaptureFixture,
) -> None:
    async with ActorSystem(metrics=False) as system:
        async with asyncio.timeout(BOUND):
            ref = await system.spawn(StopsUnawaited, name="stops")
            with caplog.at_level(logging.ERROR, logger="actorkit"):
                await ref.stop()
    failures = [r.exc_info[1] for r in caplog.records if r.exc_info is not None]
    assert [str(error).partition(" returned")[0] for error in failures] == ["on_stop of /stops"]


class SwapsToAMethod(Actor):
    def __init__(self, seen: list[str]) -> None:
        self.seen = seen

    async def receive(self, message: Any) -> Any:
        self.on_stop = self.other  # type: ignore[method-assign]
        return message

    async def other(self) -> None:
        self.seen.append("the instance's on_stop")

    async def on_stop(self) -> None:
        self.seen.append("the class's on_stop")


async def test_an_on_stop_assigned_another_bound_method_is_passed_over(
    caplog: pytest.LogCaptureFixture,
) -> None:
    seen: list[str] = []
    async with ActorSystem(metrics=False) as system:
        async with asyncio.timeout(BOUND):
            ref = await system.spawn(SwapsToAMethod, seen, name="swaps")
            with caplog.at_level(logging.ERROR, logger="actorkit"):
                await ref.ask("swap")
                await ref.stop()
    assert seen == ["the class's on_stop"]
    assert "/swaps (SwapsToAMethod) set self.on_stop on its instance" in caplog.text
