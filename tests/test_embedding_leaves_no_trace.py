"""A program that embeds actorkit keeps its own settings, and gets its resources back: a system
that crashed an actor, reported a blocked loop, served HTTP and ran a thread leaves the
program's logging, warning filters and event loop as it found them, and systems made and shut
down one after another, as a long-running program does, leave no file descriptor, thread,
task or system object behind."""

from __future__ import annotations

import asyncio
import gc
import logging
import os
import sys
import threading
import time
import warnings
import weakref
from typing import Any

import aiohttp.web  # noqa: F401  # `serve_http` imports it: its warning filter is aiohttp's
import pytest

import actorkit
from actorkit import Actor, ActorSystem

from .http_support import fetch


class Worker(Actor):
    async def receive(self, message: Any) -> Any:
        if message == "crash":
            raise RuntimeError("crash on purpose")
        if message == "block":
            end = time.monotonic() + 0.2
            while time.monotonic() < end:
                pass  # holds the loop past the 0.05 s threshold
        return message


def logging_state() -> dict[str, Any]:
    loggers = {"": logging.getLogger(), **logging.Logger.manager.loggerDict}
    return {
        name: (lg.level, list(lg.handlers), lg.propagate, lg.disabled, list(lg.filters))
        for name, lg in loggers.items()
        if isinstance(lg, logging.Logger)
    }


def program_state() -> tuple[object, ...]:
    return (
        logging.root.manager.disable,
        logging.getLoggerClass(),
        logging.getLogRecordFactory(),
        list(warnings.filters),
        sys.getswitchinterval(),
        sys.excepthook,
        sys.unraisablehook,
        threading.excepthook,
    )


def loop_state(loop: asyncio.AbstractEventLoop) -> tuple[object, ...]:
    return (loop.get_exception_handler(), loop.get_task_factory(), loop.get_debug())


async def test_a_system_leaves_the_program_s_logging_and_loop_as_it_found_them(
    caplog: pytest.LogCaptureFixture,
) -> None:
    loop = asyncio.get_running_loop()
    loggers, program, own_loop = logging_state(), program_state(), loop_state(loop)
    async with asyncio.timeout(10), ActorSystem(blocked_threshold=0.05) as system:
        worker = await system.spawn(Worker)
        with pytest.raises(RuntimeError):
            await worker.ask("crash")
        assert await worker.ask("block") == "block"
        server = await system.serve_http(port=0)
        status, _ = await fetch(f"http://127.0.0.1:{server.port}/metrics")
        assert status == 200
        await actorkit.to_thread(int, "1")
        assert loop_state(loop) == own_loop
    assert "supervisor decided: restart" in caplog.text  # it did crash and report
    assert "blocked the event loop" in caplog.text
    after = logging_state()
    added = {name for name in after.keys() - loggers.keys() if name.startswith("actorkit")}
    assert {name: after[name] for name in after.keys() - loggers.keys() - added} == {}
    assert {name: after[name] for name in loggers} == loggers
    for name in added:  # its own loggers: no handler, level or filter of their own
        assert after[name] == (logging.NOTSET, [], True, False, [])
    assert program_state() == program
    assert loop_state(loop) == own_loop


SYSTEMS = 100


@pytest.mark.skipif(not os.path.isdir("/proc/self/fd"), reason="counts /proc/self/fd")
async def test_systems_made_and_shut_down_one_after_another_leave_nothing_behind() -> None:
    async def one() -> weakref.ref[ActorSystem]:
        async with ActorSystem() as system:
            worker = await system.spawn(Worker)
            assert await worker.ask("hello") == "hello"
            system.schedule_every(60.0, worker, "tick")
            server = await system.serve_http(port=0)
            status, _ = await fetch(f"http://127.0.0.1:{server.port}/healthz")
            assert status == 200
        return weakref.ref(system)

    async with asyncio.timeout(30):
        await one()  # what the first system loads (aiohttp, prometheus_client) stays loaded
        gc.collect()
        fds, threads = os.listdir("/proc/self/fd"), set(threading.enumerate())
        tasks = asyncio.all_tasks()
        systems = [await one() for _ in range(SYSTEMS)]
    gc.collect()
    assert sorted(os.listdir("/proc/self/fd")) == sorted(fds)
    assert [t.name for t in set(threading.enumerate()) - threads] == []
    assert asyncio.all_tasks() == tasks
    assert [system for system in systems if system() is not None] == []
