"""A handler awaits a thread (`actorkit.to_thread`, `asyncio.to_thread`) that asks the system
to shut down the documented thread-safe way and waits for it,
`asyncio.run_coroutine_threadsafe(system.shutdown(timeout), loop).result()`: the shutdown
waits for the handler, the handler for the thread, the thread for the shutdown. Nothing
breaks the bound: past its timeout the shutdown cancels the handler, and returns within its
timeout and the forced stop's grace, and so does the thread's wait (docs/api.md §9 says so,
with the way out: a thread that does not wait for the shutdown lets it end at once)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Coroutine
from typing import Any

import pytest

import actorkit
from actorkit import Actor, ActorSystem
from actorkit._outside_stop import FORCED_STOP_GRACE

from .shutdown_support import BOUND, SLACK

TIMEOUT = 0.3
EARLY = 0.002
"""How early a loop's timer may fire: uvloop keeps due times in whole milliseconds, so its
0.3 s measured 0.29989 s once under load."""

Runner = Callable[[Callable[[], object]], Coroutine[Any, Any, object]]


class Blocking(Actor):
    def __init__(self, work: Callable[[], object], run: Runner, seen: list[str]) -> None:
        self.work, self.run, self.seen = work, run, seen

    async def receive(self, message: Any) -> None:
        try:
            await self.run(self.work)
        except asyncio.CancelledError:
            self.seen.append("cancelled")
            raise
        self.seen.append("returned")


RUNNERS = [actorkit.to_thread, asyncio.to_thread]


@pytest.mark.parametrize("run", RUNNERS, ids=["actorkit", "asyncio"])
@pytest.mark.parametrize("waits", [True, False], ids=["waits", "does-not-wait"])
async def test_the_shutdown_holds_its_bound(run: Runner, waits: bool) -> None:
    seen: list[str] = []
    system = ActorSystem("threads", metrics=False)
    await system.start()
    loop = asyncio.get_running_loop()
    waited: list[float] = []
    ended = asyncio.Event()

    def work() -> None:
        began = time.monotonic()
        asked = asyncio.run_coroutine_threadsafe(system.shutdown(TIMEOUT), loop)
        if waits:
            asked.result(timeout=BOUND)
            waited.append(time.monotonic() - began)
        loop.call_soon_threadsafe(ended.set)

    try:
        async with asyncio.timeout(BOUND):
            ref = await system.spawn(Blocking, work, run, seen)
            began = time.monotonic()
            ref.tell("go")
            await system.shutdown(TIMEOUT)  # joins the one the thread asks for
            took = time.monotonic() - began
            await ended.wait()  # the thread, which the cancelled handler no longer awaits
    finally:
        await system.shutdown(0.0)
    if waits:  # the cycle: broken by the timeout's force, within the grace
        assert seen == ["cancelled"]
        assert TIMEOUT - EARLY <= took < TIMEOUT + FORCED_STOP_GRACE + SLACK
        assert len(waited) == 1 and waited[0] < TIMEOUT + FORCED_STOP_GRACE + SLACK
    else:  # no cycle: the handler returns, the drain ends well before the timeout
        assert seen == ["returned"]
        assert took < TIMEOUT
