"""A system and its refs belong to the event loop that started them. From another thread the
documented way works (the loop's own thread-safe calls); a shutdown run on another event loop
is refused before anything stops, saying what to do instead."""

from __future__ import annotations

import asyncio
import threading
from typing import Any

import pytest

from actorkit import Actor, ActorSystem
from actorkit.testing import Probe


class Echo(Actor):
    async def receive(self, message: Any) -> Any:
        return (message, threading.current_thread() is threading.main_thread())


async def test_the_documented_way_reaches_actors_from_another_thread() -> None:
    async with asyncio.timeout(10), ActorSystem() as system:
        loop = asyncio.get_running_loop()
        probe = await Probe.spawn(system)
        echo = await system.spawn(Echo)

        def worker() -> Any:
            loop.call_soon_threadsafe(probe.ref.tell, "told from a thread")
            asked = asyncio.run_coroutine_threadsafe(echo.ask("asked", timeout=5.0), loop)
            return asked.result(timeout=5.0)

        assert await asyncio.to_thread(worker) == ("asked", True)  # handled on the loop's thread
        await probe.expect("told from a thread")


async def test_a_shutdown_on_another_event_loop_is_refused_and_stops_nothing() -> None:
    async with asyncio.timeout(10), ActorSystem("app") as system:
        echo = await system.spawn(Echo)
        with pytest.raises(
            RuntimeError,
            match=r"system\.shutdown\(\) of actor system 'app' was called on another event loop.*"
            r"asyncio\.run_coroutine_threadsafe\(system\.shutdown\(\), loop\)",
        ):
            await asyncio.to_thread(asyncio.run, system.shutdown())
        assert await echo.ask("still here") == ("still here", True)
