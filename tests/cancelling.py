"""Cancelling a call at a chosen loop turn, as an `asyncio.timeout` around it would fire:
sweeping the turns covers every suspension point the call has, up to after its end."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import TypeVar

T = TypeVar("T")


async def cancelled_after(turns: int, call: Awaitable[T]) -> T | None:
    """Run `call` in a task of its own and cancel it after `turns` loop turns: its result if it
    finished first, None if the cancellation cut it short."""
    running = asyncio.ensure_future(call)
    for _ in range(turns):
        await asyncio.sleep(0)
    running.cancel()
    try:
        return await running
    except asyncio.CancelledError:
        current = asyncio.current_task()
        if current is not None and current.cancelling():
            raise  # the test's own timeout, not the call's cancellation
        return None
