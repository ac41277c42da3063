"""Cancelling a call as an anyio host does: from an anyio `CancelScope` around it, cancelled
at a chosen loop turn. Unlike `cancelling.cancelled_after` (one `Task.cancel()`), the scope
cancels the task again at every await until the scope is left, as `move_on_after`,
`fail_after` and a cancelled task group (Starlette, FastAPI, anyio's pytest plugin) do."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import TypeVar

import anyio

T = TypeVar("T")


def cancel_after_turns(scope: anyio.CancelScope, turns: int) -> None:
    """Cancel `scope` once `turns` loop turns have passed, from a callback, not a task."""
    loop = asyncio.get_running_loop()

    def turn(left: int) -> None:
        if left:
            loop.call_soon(turn, left - 1)
        else:
            scope.cancel()

    loop.call_soon(turn, turns)


async def scope_cancelled_after(turns: int, call: Awaitable[T]) -> tuple[T | None, bool]:
    """Await `call` in a scope cancelled after `turns` loop turns: its result (None if the
    scope cut it short) and whether the scope caught a cancellation, as `move_on_after`
    reports it. A cancellation that escaped the scope propagates, failing the test."""
    result: T | None = None
    with anyio.CancelScope() as scope:
        cancel_after_turns(scope, turns)
        result = await call
    return result, scope.cancelled_caught
