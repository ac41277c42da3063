"""A system never shut down (a test that forgets `shutdown()`), one after another in one
process as a test suite makes them, each on an event loop that `asyncio.run` (or uvloop's)
ends: the loop's end shuts the system down, so nothing of it outlives the loop (a store's
connections and their threads, a write lock on its file, a bound port), and the next system
on the same file starts."""

from __future__ import annotations

import asyncio
import logging
import socket
import sqlite3
import sys
import threading
import time
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest

import actorkit
from actorkit import Actor, ActorSystem, Task
from actorkit.persistence import DurableState, SQLiteStore

from .processes import process

BOUND = 5.0


class Agent(Actor):
    capabilities = ("work",)

    def __init__(self, stops: list[str]) -> None:
        self.stops = stops

    async def receive(self, message: Any) -> Any:
        return message.payload if isinstance(message, Task) else message

    async def on_stop(self) -> None:
        self.stops.append(self.path)


class Profile(DurableState):
    async def receive(self, message: Any) -> Any:
        await self.save({"name": message})
        return self.state


def _forget(path: Path, uvloop: bool, stops: list[str]) -> int:
    """Start a system with a store, agents writing their history, a durable actor and an
    HTTP port, and return without shutting it down; the port it had bound."""

    async def main() -> int:
        system = ActorSystem(
            "forgotten", store=SQLiteStore(str(path), timeout=0.5), agent_history=True
        )
        async with asyncio.timeout(BOUND):
            await system.start()
            agent = await system.spawn(Agent, stops, name="agent")
            assert await (await system.submit("job")) == "job"
            assert await agent.ask("hello") == "hello"
            profile = await system.spawn(Profile, persistence_id="profile")
            assert await profile.ask("ada") == {"name": "ada"}
            return (await system.serve_http(port=0)).port

    return actorkit.run(main(), uvloop=uvloop)


def _sqlite_threads() -> set[threading.Thread]:
    return {
        thread for thread in threading.enumerate() if "_connection_worker_thread" in thread.name
    }


def _still_running(new: set[threading.Thread]) -> set[threading.Thread]:
    """Of threads started since a point, those that do not end within BOUND. A store's thread
    answers its close and only then ends, so one may still be ending as a loop returns; a
    leaked one never does."""
    deadline = time.monotonic() + BOUND
    for thread in new:
        thread.join(timeout=max(0.0, deadline - time.monotonic()))
    return {thread for thread in new if thread.is_alive()}


@pytest.mark.parametrize("uvloop", [False, True])
def test_the_loop_ending_shuts_a_forgotten_system_down(
    tmp_path: Path, uvloop: bool, caplog: pytest.LogCaptureFixture
) -> None:
    threads = _sqlite_threads()
    stops: list[str] = []
    with caplog.at_level(logging.WARNING, logger="actorkit"):
        port = _forget(tmp_path / "store.db", uvloop, stops)
    assert stops == ["/agent"]
    assert _still_running(_sqlite_threads() - threads) == set()  # the store closed them
    with closing(sqlite3.connect(tmp_path / "store.db", timeout=0)) as db:
        db.execute("BEGIN IMMEDIATE")  # nobody holds the write lock
        assert db.execute("SELECT count(*) FROM actorkit_states").fetchone() == (1,)
    with socket.socket() as probe, pytest.raises(ConnectionRefusedError):
        probe.connect(("127.0.0.1", port))
    [warning] = [r for r in caplog.records if "never shut down" in r.getMessage()]
    assert "forgotten" in warning.getMessage()


def test_forgotten_systems_one_after_another_on_one_file_leave_nothing_running(
    tmp_path: Path,
) -> None:
    """No thread started over the second half outlives it; the first half's are no leak
    (what a first system loads). Threads compared by identity, not counted: one that an
    earlier test of this process left may end meanwhile, which is no growth either; the new
    ones are given BOUND to end (`_still_running`)."""
    before: set[threading.Thread] = set()
    for n in range(20):
        _forget(tmp_path / "store.db", uvloop=False, stops=[])
        if n == 9:
            before = set(threading.enumerate())
    assert _still_running(set(threading.enumerate()) - before) == set()


UVLOOP_SCRIPT = """
import actorkit
from actorkit import ActorSystem

async def main():
    system = ActorSystem("forgotten")
    await system.start()
    await system.serve_http(port=0)

actorkit.run(main(), uvloop=True)
print("returned", flush=True)
"""


async def test_a_forgotten_port_does_not_hang_the_uvloop_loop_close_under_warnings_as_errors() -> (
    None
):
    """uvloop's `close` warns of each handle still open, and with warnings as errors (pytest's
    `filterwarnings = error`) it never returned for the server a forgotten system left bound:
    the test run hung in C, where no timeout reaches."""
    async with process(sys.executable, "-W", "error", "-c", UVLOOP_SCRIPT) as proc:
        try:
            async with asyncio.timeout(BOUND):
                out, _ = await proc.communicate()
        except TimeoutError:
            raise AssertionError("the loop's close hung") from None
    assert proc.returncode == 0, out.decode()
    assert out.decode().splitlines()[-1:] == ["returned"], out.decode()
