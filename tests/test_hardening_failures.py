"""A stray CancelledError or BaseException in a handler is a supervised failure (issue 13)."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import pytest

from actorkit import Actor, ActorSystem, OneForOne
from actorkit.testing import snapshot

from .hardening_support import BOUND


class AwaitsOthers(Actor):
    def __init__(self, futures: list[asyncio.Future[None]]) -> None:
        self.futures = futures

    async def receive(self, message: Any) -> Any:
        if message == "wait":
            future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
            self.futures.append(future)
            await future  # cancelled by someone else
        return message


async def test_a_cancelled_error_the_runtime_did_not_ask_for_is_a_supervised_failure(
    caplog: pytest.LogCaptureFixture,
) -> None:
    futures: list[asyncio.Future[None]] = []
    async with ActorSystem(metrics=False, supervisor=OneForOne(max_restarts=5)) as system:
        ref = await system.spawn(AwaitsOthers, futures, name="w")
        asking = asyncio.create_task(ref.ask("wait"))
        while not futures:
            await asyncio.sleep(0)
        futures[0].cancel()
        with pytest.raises(RuntimeError, match="CancelledError escape") as failed:
            await asking
        assert type(failed.value.__cause__) is asyncio.CancelledError
        async with asyncio.timeout(BOUND):
            assert await ref.ask("after") == "after"  # restarted, not gone
        view = snapshot(ref)
        assert (view.failures, view.restarts) == (1, 1)
    assert any("decided: restart" in r.getMessage() for r in caplog.records)


class Abort(BaseException):
    """Not an Exception: a user's own control-flow signal."""


class Aborts(Actor):
    async def receive(self, message: Any) -> Any:
        if message == "abort":
            raise Abort("out of here")
        return message


async def test_a_handler_raising_a_base_exception_fails_like_any_error_never_a_zombie(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.CRITICAL, logger="actorkit")
    async with ActorSystem(metrics=False) as system:
        ref = await system.spawn(Aborts)
        with pytest.raises(Abort):
            await ref.ask("abort")
        async with asyncio.timeout(BOUND):
            assert await ref.ask("ping") == "ping"
            await ref.stop()
        assert not ref.is_alive
