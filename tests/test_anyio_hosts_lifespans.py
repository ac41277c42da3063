"""actorkit embedded in an anyio host (Starlette and FastAPI lifespans, anyio task groups,
anyio's pytest plugin), on asyncio's loop and uvloop: an anyio cancel scope cancels its task
again at every await until the scope is left, where asyncio's `Task.cancel()` lands once.
The system's `async with`, a lifespan under `anyio.run` and an explicit `shutdown()` in a
cancelled scope still wait for the shutdown, and the cancellation then goes on to the scope
that asked for it (docs/api.md, "anyio hosts")."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import anyio
import pytest

from actorkit import Actor, ActorSystem
from actorkit.testing import accepting

from .anyio_hosts_support import TURNS
from .anyio_support import cancel_after_turns


class Unwinding(Actor):
    """Its `on_stop` takes a few loop turns, as one that closes a connection does."""

    def __init__(self, stopped: list[str]) -> None:
        self.stopped = stopped

    async def receive(self, message: Any) -> Any:
        return message

    async def on_stop(self) -> None:
        for _ in range(3):
            await asyncio.sleep(0)
        self.stopped.append(self.name)


async def test_leaving_async_with_by_a_cancelled_scope_shuts_down_before_the_scope_ends() -> None:
    async with asyncio.timeout(30):
        for turns in TURNS:
            stopped: list[str] = []
            with anyio.CancelScope() as scope:
                async with ActorSystem("host") as system:
                    ref = await system.spawn(Unwinding, stopped, name="a")
                    assert await ref.ask("ping") == "ping"
                    cancel_after_turns(scope, turns)
                    await asyncio.Event().wait()  # the host's body, until its scope is cancelled
            assert scope.cancelled_caught, turns  # the cancellation went on to its scope
            assert stopped == ["a"], turns  # and the shutdown had ended first
            assert not accepting(system) and not ref.is_alive


async def test_a_scope_cancelled_while_async_with_shuts_down_lets_the_shutdown_end() -> None:
    """Cancelled in the middle of the exit's shutdown (the host is being torn down)."""
    async with asyncio.timeout(30):
        for turns in TURNS:
            stopped: list[str] = []
            with anyio.CancelScope() as scope:
                async with ActorSystem("host") as system:
                    ref = await system.spawn(Unwinding, stopped, name="a")
                    cancel_after_turns(scope, turns)
            assert stopped == ["a"], turns
            assert not ref.is_alive


class Waiting(Actor):
    """Handles a request until the app shuts down: one in flight when it does."""

    def __init__(self, release: asyncio.Event) -> None:
        self.release = release

    async def receive(self, message: Any) -> Any:
        await self.release.wait()
        return "answered"


@asynccontextmanager
async def lifespan(app: object) -> AsyncIterator[dict[str, Any]]:
    """A Starlette lifespan as its docs write one: the system lives as long as the app."""
    stopped: list[str] = []
    release = asyncio.Event()
    async with ActorSystem("app") as system:
        await system.spawn(Unwinding, stopped, name="a")
        try:
            yield {"system": system, "stopped": stopped, "release": release}
        finally:
            release.set()  # the app's handlers end as it shuts down


class LifespanApp:
    """What Starlette's router does with a `lifespan` (ASGI's lifespan protocol), for when
    starlette is not installed (it is no dependency of actorkit)."""

    def __init__(self, lifespan: Callable[[object], Any]) -> None:
        self.lifespan = lifespan

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        assert scope["type"] == "lifespan"
        await receive()  # lifespan.startup
        async with self.lifespan(self) as state:
            scope["state"].update(state)
            await send({"type": "lifespan.startup.complete"})
            await receive()  # lifespan.shutdown
        await send({"type": "lifespan.shutdown.complete"})


def asgi_app() -> Any:
    try:  # starlette is no test dependency: without it, the stand-in app serves
        from starlette.applications import Starlette
    except ImportError:
        return LifespanApp(lifespan)
    return Starlette(lifespan=lifespan)


@pytest.mark.parametrize("ending", ["shutdown", "cancelled"])
def test_a_lifespan_under_anyio_run_stops_the_system_before_the_server_ends(
    anyio_backend_options: dict[str, bool], ending: str
) -> None:
    """`anyio.run(server)`: the server runs the app's lifespan and a request asking an actor
    in one task group, as uvicorn and Starlette's TestClient do, then ends it by the lifespan
    protocol or by cancelling the group (Ctrl-C, a test's teardown): either way the system
    has shut down when `anyio.run` returns, the asker has its answer or its cancellation,
    and no task is left."""
    state: dict[str, Any] = {}
    outcome: list[object] = []
    left: list[asyncio.Task[Any]] = []

    async def request() -> None:
        waiting = await state["system"].spawn(Waiting, state["release"], name="waiting")
        try:
            outcome.append(await waiting.ask("request", timeout=60.0))
        except asyncio.CancelledError:
            outcome.append(asyncio.CancelledError)
            raise

    async def server() -> None:
        with anyio.fail_after(30):
            to_app, app_receives = anyio.create_memory_object_stream[dict[str, Any]](1)
            app_sends, from_app = anyio.create_memory_object_stream[dict[str, Any]](1)
            async with (
                to_app,
                app_receives,
                app_sends,
                from_app,
                anyio.create_task_group() as group,
            ):
                group.start_soon(asgi_app(), {"type": "lifespan", "state": state},
                                 app_receives.receive, app_sends.send)  # fmt: skip
                await to_app.send({"type": "lifespan.startup"})
                assert (await from_app.receive())["type"] == "lifespan.startup.complete"
                group.start_soon(request)
                await wait_until(lambda: state["system"].lookup("/waiting"))
                if ending == "cancelled":
                    group.cancel_scope.cancel()
                else:
                    await to_app.send({"type": "lifespan.shutdown"})
                    assert (await from_app.receive())["type"] == "lifespan.shutdown.complete"
            current = asyncio.current_task()
            left.extend(t for t in asyncio.all_tasks() if t is not current and not t.done())

    anyio.run(server, backend="asyncio", backend_options=anyio_backend_options)
    assert state["stopped"] == ["a"]
    assert outcome == [asyncio.CancelledError if ending == "cancelled" else "answered"]
    assert left == []


async def wait_until(ready: Callable[[], object]) -> None:
    while not ready():
        await anyio.lowlevel.checkpoint()


@pytest.fixture(params=[False, True], ids=["asyncio", "uvloop"])
def anyio_backend_options(request: pytest.FixtureRequest) -> dict[str, bool]:
    return {"use_uvloop": request.param}


async def test_an_explicit_shutdown_in_a_cancelled_scope_goes_on_and_a_shielded_one_waits() -> None:
    """The `finally` of a lifespan that awaits `shutdown()` itself: cancelled, the caller stops
    waiting and the shutdown goes on in its own task (a second call waits for it); shielded,
    as the README says to, it waits for the end."""
    async with asyncio.timeout(10):
        for shielded in (False, True):
            stopped: list[str] = []
            system = await ActorSystem("explicit").start()
            await system.spawn(Unwinding, stopped, name="a")
            with anyio.CancelScope() as scope:
                scope.cancel()
                with anyio.CancelScope(shield=shielded):
                    await system.shutdown()
                await anyio.lowlevel.checkpoint()
            assert scope.cancelled_caught
            if shielded:
                assert stopped == ["a"]
            await system.shutdown()
            assert stopped == ["a"]
