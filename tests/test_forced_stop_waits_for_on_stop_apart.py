"""A forced stop (past a `ref.stop` timeout or a shutdown's) cancels the actors' tasks and
waits, within its grace, for them to unwind. A task it cancels before its first step (a task
factory that holds a task back before running its coroutine, here a gate) unwinds none of
the actor's body, so its `on_stop` runs in a task of its own. The stop's return means the
`on_stop`s have run, as OTP's `terminate/2` has when `shutdown` returns: that one too, or it
is reported abandoned once the grace is out (docs/api.md §9)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from actorkit import Actor, ActorSystem

from .shutdown_support import BOUND


class Flushes(Actor):
    """No `on_start`: `spawn` returns before its task's first step. Its `on_stop` takes a
    few loop turns (a flush), or never ends."""

    def __init__(self, stopped: list[str], forever: bool) -> None:
        self.stopped = stopped
        self.forever = forever

    async def receive(self, message: Any) -> None:
        pass

    async def on_stop(self) -> None:
        if self.forever:
            await asyncio.Event().wait()
        for _ in range(3):
            await asyncio.sleep(0)
        self.stopped.append(self.path)


@contextmanager
def gated() -> Iterator[list[bool]]:
    """A task factory that holds back every task made while `on[0]`, before its coroutine
    runs (as one waiting for a slot would): cancelled there, that coroutine never runs."""
    loop = asyncio.get_running_loop()
    on = [True]

    def factory(loop: asyncio.AbstractEventLoop, coro: Any, **kwargs: Any) -> asyncio.Task[Any]:
        if not on[0]:
            return asyncio.Task(coro, loop=loop, **kwargs)

        async def held() -> Any:
            try:
                await asyncio.Event().wait()
            except asyncio.CancelledError:
                coro.close()
                raise
            return await coro

        return asyncio.Task(held(), loop=loop, **kwargs)

    loop.set_task_factory(factory)
    try:
        yield on
    finally:
        loop.set_task_factory(None)


async def forced(stop: str, forever: bool) -> tuple[list[str], str, float]:
    """Spawn `Flushes` held back by `gated`, then force its stop (a `ref.stop` or a shutdown,
    past 0.05 s): what its `on_stop` noted by the stop's return, the stop's name in the logs,
    and the seconds it took."""
    stopped: list[str] = []
    system = ActorSystem()
    await system.start()
    try:
        async with asyncio.timeout(BOUND):
            with gated() as on:
                ref = await system.spawn(Flushes, stopped, forever, name="held")
                on[0] = False
            loop = asyncio.get_running_loop()
            begun = loop.time()
            if stop == "ref-stop":
                await ref.stop(timeout=0.05)
                what = "stop of /held"
            else:
                await system.shutdown(0.05)
                what = f"shutdown of {system.name}"
            return list(stopped), what, loop.time() - begun
    finally:
        await system.shutdown(0.0)


@pytest.mark.parametrize("stop", ["ref-stop", "shutdown"])
async def test_a_forced_stop_returns_once_an_on_stop_run_apart_has_run(stop: str) -> None:
    stopped, _, _ = await forced(stop, forever=False)
    assert stopped == ["/held"]


@pytest.mark.parametrize("stop", ["ref-stop", "shutdown"])
async def test_an_on_stop_run_apart_past_the_grace_is_reported_abandoned(
    stop: str, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    from actorkit import _outside_stop

    monkeypatch.setattr(_outside_stop, "FORCED_STOP_GRACE", 0.1)
    caplog.set_level(logging.WARNING, logger="actorkit")
    _, what, took = await forced(stop, forever=True)
    assert took >= 0.05 + 0.1 - 0.002  # it waited the grace out
    # Reported by the stop, or cut by its own grace, which began a moment later but may end
    # in the same millisecond on uvloop's clock: either way, before the return.
    assert (
        f"{what} abandoned the on_stop of /held past the grace" in caplog.text
        or "on_stop of /held was cut short past the grace" in caplog.text
    )
