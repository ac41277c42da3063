"""The raw asyncio side of the `churn` benchmark: a queue and a task per actor, a future for the
reply, `task.cancel()` and an await of the task to stop it (see `benchmarks.churn` for how each
shape is written)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

from ._churn_common import CONCURRENT, Tally
from .messaging import Request, check


async def _serve(queue: asyncio.Queue[Request]) -> None:
    get = queue.get
    while True:
        request = await get()
        request.future.set_result(request.message)


async def _serve_started(
    queue: asyncio.Queue[Request], started: asyncio.Future[None], tally: Tally
) -> None:
    tally.started += 1
    started.set_result(None)
    get = queue.get
    while True:
        request = await get()
        request.future.set_result(request.message)


async def _serve_stopped(queue: asyncio.Queue[Request], tally: Tally) -> None:
    get = queue.get
    try:
        while True:
            request = await get()
            request.future.set_result(request.message)
    finally:
        tally.stopped += 1


async def _serve_once(queue: asyncio.Queue[Request]) -> None:
    request = await queue.get()
    request.future.set_result(request.message)


async def _stop(task: asyncio.Task[None]) -> None:
    task.cancel()
    try:
        await task
    except asyncio.CancelledError:
        return


async def _raw_churns(n: int, serve: Callable[..., Coroutine[Any, Any, None]], *args: Any) -> int:
    """n tasks running `serve(queue, *args)`, each asked once and stopped."""
    loop = asyncio.get_running_loop()
    total = 0
    for i in range(n):
        queue: asyncio.Queue[Request] = asyncio.Queue()
        task = loop.create_task(serve(queue, *args))
        future = loop.create_future()
        queue.put_nowait(Request(i, future))
        total += await future
        await _stop(task)
    return total


async def _raw_plain(n: int, tally: Tally) -> int:
    return await _raw_churns(n, _serve)


async def _raw_on_start(n: int, tally: Tally) -> int:
    loop = asyncio.get_running_loop()
    total = 0
    for i in range(n):
        queue: asyncio.Queue[Request] = asyncio.Queue()
        started = loop.create_future()
        task = loop.create_task(_serve_started(queue, started, tally))
        await started
        future = loop.create_future()
        queue.put_nowait(Request(i, future))
        total += await future
        await _stop(task)
    return total


async def _raw_on_stop(n: int, tally: Tally) -> int:
    return await _raw_churns(n, _serve_stopped, tally)


async def _raw_child(n: int, tally: Tally) -> int:
    """The loop in the handler of a task of the same kind, asked once."""
    loop = asyncio.get_running_loop()

    async def churn(count: int) -> int:
        return await _raw_plain(count, tally)

    queue: asyncio.Queue[Request] = asyncio.Queue()
    churner = loop.create_task(_serve_handler(queue, churn))
    future = loop.create_future()
    queue.put_nowait(Request(n, future))
    total: int = await future
    await _stop(churner)
    return total


async def _serve_handler(
    queue: asyncio.Queue[Request], handle: Callable[[Any], Awaitable[Any]]
) -> None:
    get = queue.get
    while True:
        request = await get()
        request.future.set_result(await handle(request.message))


async def _raw_self_stop(n: int, tally: Tally) -> int:
    loop = asyncio.get_running_loop()
    running: set[asyncio.Task[None]] = set()  # held until done, as asyncio's docs ask
    total = 0
    for i in range(n):
        queue: asyncio.Queue[Request] = asyncio.Queue()
        task = loop.create_task(_serve_once(queue))
        running.add(task)
        task.add_done_callback(running.discard)
        future = loop.create_future()
        queue.put_nowait(Request(i, future))
        total += await future
    await asyncio.sleep(0)
    check(running, set())
    return total


async def _raw_concurrent(n: int, tally: Tally) -> int:
    each = n // CONCURRENT
    totals = await asyncio.gather(*(_raw_plain(each, tally) for _ in range(CONCURRENT)))
    return sum(totals)


RAW: dict[str, Callable[[int, Tally], Awaitable[int]]] = {
    "plain": _raw_plain,
    "on_start": _raw_on_start,
    "on_stop": _raw_on_stop,
    "child": _raw_child,
    "temporary": _raw_plain,
    "self_stop": _raw_self_stop,
    "concurrent": _raw_concurrent,
}
