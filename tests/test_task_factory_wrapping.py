"""A task factory that wraps each coroutine in one of its own (Sentry's asyncio integration,
tracers: `async def wrapper(): return await coro`) on a loop whose end finds a system never
shut down: the loop's end cancels the shutdown's closing task before its first step, and
under such a factory the wrapper, not the runtime's coroutine, took the cancellation, so
none of the closing ran. The store's connection threads stayed up and its port bound, for
the life of the process (on uvloop, the loop's close then hung). The runtime's own must-run
tasks take their first step whatever the loop's factory does (docs/api.md §1)."""

from __future__ import annotations

import asyncio
import socket
import sqlite3
from collections.abc import Callable, Coroutine
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest
import uvloop

from actorkit import ActorSystem
from actorkit.persistence import DurableState, SQLiteStore

from .test_forgotten_systems_loop_end import BOUND, _sqlite_threads, _still_running

wrapped: list[str] = []


def wrapping(loop: asyncio.AbstractEventLoop, coro: Any, **kwargs: Any) -> asyncio.Task[Any]:
    """Sentry's `_sentry_task_factory`, without Sentry."""
    kwargs.pop("eager_start", None)  # uvloop passes it on 3.13

    async def wrapper() -> Any:
        wrapped.append("ran")
        return await coro

    return asyncio.Task(wrapper(), loop=loop, **kwargs)


class Profile(DurableState):
    async def receive(self, message: Any) -> Any:
        await self.save({"name": message})
        return self.state


def run_with_factory(main: Callable[[], Coroutine[Any, Any, int]], loop: str) -> int:
    def made() -> asyncio.AbstractEventLoop:
        made = uvloop.new_event_loop() if loop == "uvloop" else asyncio.new_event_loop()
        made.set_task_factory(wrapping)
        return made

    with asyncio.Runner(loop_factory=made) as runner:
        return runner.run(main())


def closed_everything(path: Path, port: int, threads: set[Any]) -> None:
    assert _still_running(_sqlite_threads() - threads) == set()  # the store closed them
    with closing(sqlite3.connect(path, timeout=0)) as db:
        db.execute("BEGIN IMMEDIATE")  # nobody holds the write lock
    with socket.socket() as probe, pytest.raises(ConnectionRefusedError):
        probe.connect(("127.0.0.1", port))


@pytest.mark.parametrize("loop", ["asyncio", "uvloop"])
def test_a_wrapping_task_factory_leaves_nothing_open_at_the_loop_s_end(
    tmp_path: Path, loop: str
) -> None:
    path = tmp_path / "store.db"
    threads = _sqlite_threads()

    async def main() -> int:
        async with asyncio.timeout(BOUND):
            system = ActorSystem("app", store=SQLiteStore(str(path), timeout=0.5))
            await system.start()
            profile = await system.spawn(Profile, persistence_id="profile")
            assert await profile.ask("ada") == {"name": "ada"}
            return (await system.serve_http(port=0)).port

    wrapped.clear()
    port = run_with_factory(main, loop)
    assert wrapped  # the factory wrapped the tasks
    closed_everything(path, port, threads)
