"""`await system.wait_stopped()`: what an embedding program awaits to learn that the system no
longer runs actors, after its shutdown or a failure past the root (README "Embedding",
docs/api.md §1), without polling `system.healthy` or leaving `async with`."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from actorkit import Actor, ActorSystem, OneForOne, SystemFailed


class Crash(Actor):
    async def receive(self, message: Any) -> None:
        raise ValueError("boom")


class Noting(Actor):
    """Notes, as it stops, whether a waiter was already answered: it must not have been."""

    def __init__(self, waiter: asyncio.Task[None], seen: list[bool]) -> None:
        self.waiter, self.seen = waiter, seen

    async def receive(self, message: Any) -> None:
        pass

    async def on_stop(self) -> None:
        self.seen.append(self.waiter.done())


class Waits(Actor):
    async def receive(self, message: Any) -> None:
        await self.system.wait_stopped()


def escalating() -> ActorSystem:
    return ActorSystem("ended", supervisor=OneForOne(decider=lambda error: "escalate"))


def answered_at_once(system: ActorSystem) -> bool:
    """Whether `wait_stopped` returns without suspending even once."""
    coro = system.wait_stopped()
    try:
        coro.send(None)
    except StopIteration:
        return True
    coro.close()
    return False


async def test_it_returns_once_a_graceful_shutdown_has_finished() -> None:
    async with asyncio.timeout(10):
        system = ActorSystem("ended")
        await system.start()
        waiter = asyncio.create_task(system.wait_stopped())
        seen: list[bool] = []
        await system.spawn(Noting, waiter, seen)
        server = await system.serve_http(port=0)
        await asyncio.sleep(0)
        assert not waiter.done()
        await system.shutdown()
        assert seen == [False]  # the actors stopped before it returned
        await waiter
        with pytest.raises(OSError):  # and so did what the shutdown closes after them
            await asyncio.open_connection("127.0.0.1", server.port)
        assert system.failure is None


async def test_it_returns_once_a_failure_past_the_root_stopped_the_actors() -> None:
    """The owner, who has not shut the system down, learns of the failure without polling."""
    async with asyncio.timeout(10):
        system = escalating()
        with pytest.raises(SystemFailed):
            async with system:
                waiter = asyncio.create_task(system.wait_stopped())
                seen: list[bool] = []
                await system.spawn(Noting, waiter, seen)
                (await system.spawn(Crash)).tell("go")
                await waiter  # never raises the failure: the caller reads it
                assert isinstance(system.failure, ValueError)
                assert seen == [False]
                assert system.actor_count == 0
                assert not system.healthy
                assert answered_at_once(system)


async def test_it_returns_at_once_once_the_system_has_ended() -> None:
    async with asyncio.timeout(10):
        system = ActorSystem("ended")
        async with system:
            assert not answered_at_once(system)
        assert answered_at_once(system)


async def test_it_waits_when_awaited_before_the_start() -> None:
    async with asyncio.timeout(10):
        system = ActorSystem("ended")
        waiter = asyncio.create_task(system.wait_stopped())
        await asyncio.sleep(0)
        async with system:
            await asyncio.sleep(0)
            assert not waiter.done()
        await waiter


async def test_a_system_shut_down_unstarted_ends_its_waiters() -> None:
    async with asyncio.timeout(10):
        system = ActorSystem("ended")
        waiter = asyncio.create_task(system.wait_stopped())
        await asyncio.sleep(0)
        await system.shutdown()
        await waiter


async def test_every_waiter_returns() -> None:
    async with asyncio.timeout(10):
        async with ActorSystem("ended") as system:
            waiters = [asyncio.create_task(system.wait_stopped()) for _ in range(3)]
            await asyncio.sleep(0)
            assert not any(waiter.done() for waiter in waiters)
        await asyncio.gather(*waiters)


async def test_a_cancelled_waiter_cancels_nothing_else() -> None:
    async with asyncio.timeout(10):
        async with ActorSystem("ended") as system:
            gone, kept = (asyncio.create_task(system.wait_stopped()) for _ in range(2))
            await asyncio.sleep(0)
            gone.cancel()
            with pytest.raises(asyncio.CancelledError):
                await gone
            assert system.healthy and not kept.done()
            assert await system.spawn(Actor)  # the system runs on
        await kept
        assert system.failure is None


def on_a_loop_of_its_own(system: ActorSystem) -> BaseException | None:
    """What `wait_stopped` raises awaited on an event loop in another thread, None if it
    returned."""
    try:
        asyncio.run(system.wait_stopped())
    except RuntimeError as error:
        return error
    return None


async def test_it_is_refused_on_another_loop_while_the_system_runs() -> None:
    async with asyncio.timeout(10):
        async with ActorSystem("ended") as system:
            error = await asyncio.to_thread(on_a_loop_of_its_own, system)
            assert isinstance(error, RuntimeError)
            assert "system.wait_stopped() of actor system 'ended'" in str(error)
            assert "on another event loop (in another thread)" in str(error)
            assert "asyncio.run_coroutine_threadsafe(system.wait_stopped(), loop)" in str(error)
        assert await asyncio.to_thread(on_a_loop_of_its_own, system) is None  # ended: anywhere


async def test_a_waiter_from_before_the_start_on_another_loop_is_woken_on_its_own() -> None:
    """Before the start, no loop is the system's yet: a waiter on another thread's loop is
    answered there, handed over to its loop rather than woken from the system's thread."""
    waiting = threading.Event()

    async def wait(system: ActorSystem) -> None:
        try:
            waiter = asyncio.create_task(system.wait_stopped())
            await asyncio.sleep(0)
        finally:
            waiting.set()
        await waiter

    async with asyncio.timeout(10):
        system = ActorSystem("ended")
        thread = asyncio.create_task(asyncio.to_thread(asyncio.run, wait(system)))
        assert await asyncio.to_thread(waiting.wait, 5)
        if thread.done():  # it failed before it waited
            await thread
        async with system:
            assert not thread.done()
        await thread


async def test_a_handler_awaiting_it_is_refused() -> None:
    """It would hold its own actor's drain, so the shutdown, until the forced stop."""
    async with asyncio.timeout(10):
        async with ActorSystem("ended") as system:
            ref = await system.spawn(Waits)
            with pytest.raises(RuntimeError, match="awaited inside one of its actors"):
                await ref.ask("wait")


SYSTEM = web.AppKey("system", ActorSystem)
STOPPED = web.AppKey("stopped", asyncio.Event)
WATCHER = web.AppKey("watcher", list[asyncio.Task[None]])


async def actor_system(app: web.Application) -> AsyncIterator[None]:
    """The app's lifespan as README "Embedding" shows it: the system opened in the app's
    cleanup context, and a background task that awaits its end and marks the app stopped, so
    the app's own readiness probe fails once the actors are gone."""
    stopped = app[STOPPED] = asyncio.Event()
    async with escalating() as system:
        app[SYSTEM] = system
        watcher = asyncio.create_task(mark(stopped, system))
        app[WATCHER].append(watcher)
        yield
    await watcher


async def mark(stopped: asyncio.Event, system: ActorSystem) -> None:
    await system.wait_stopped()
    stopped.set()


async def ready(request: web.Request) -> web.Response:
    if request.app[STOPPED].is_set():
        return web.json_response({"stopped": repr(request.app[SYSTEM].failure)}, status=503)
    return web.json_response({"ready": True})


async def crash(request: web.Request) -> web.Response:
    (await request.app[SYSTEM].spawn(Crash)).tell("go")
    return web.json_response({"told": True})


async def test_an_aiohttp_app_learns_that_its_actors_stopped() -> None:
    async with asyncio.timeout(20):
        app = web.Application()
        app[WATCHER] = []
        app.cleanup_ctx.append(actor_system)
        app.router.add_get("/ready", ready)
        app.router.add_post("/crash", crash)
        runner = web.AppRunner(app)
        await runner.setup()
        try:
            site = web.TCPSite(runner, "127.0.0.1", 0)
            await site.start()
            url = f"http://127.0.0.1:{runner.addresses[0][1]}"
            async with aiohttp.ClientSession() as session:
                async with session.get(f"{url}/ready") as response:
                    assert response.status == 200
                async with session.post(f"{url}/crash") as response:
                    assert response.status == 200
                (watcher,) = app[WATCHER]
                await watcher
                async with session.get(f"{url}/ready") as response:
                    assert response.status == 503
                    assert await response.json() == {"stopped": "ValueError('boom')"}
        finally:
            with pytest.raises(SystemFailed):  # leaving the lifespan's `async with`
                await runner.cleanup()
