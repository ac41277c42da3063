"""actorkit embedded in an anyio host (Starlette and FastAPI lifespans, anyio task groups,
anyio's pytest plugin), on asyncio's loop and uvloop: an anyio cancel scope cancels its task
again at every await until the scope is left, where asyncio's `Task.cancel()` lands once.
What the runtime waits for after a cancellation must still be waited for, and the
cancellation must then go on to the scope that asked for it (docs/api.md, "anyio hosts")."""

from __future__ import annotations

import asyncio
from typing import Any

import anyio
import pytest

from actorkit import Actor, ActorSystem
from actorkit.testing import accepting

from .anyio_support import cancel_after_turns, scope_cancelled_after
from .processes import HeldPort

TURNS = range(12)


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


def test_anyio_run_with_a_system_in_a_task_group_cancelled_while_it_runs(
    anyio_backend_options: dict[str, bool],
) -> None:
    """`anyio.run(main)`: a request handler asking an actor and the lifespan holding the
    system run in one task group, which the server cancels (Ctrl-C): the ask is cut short,
    the system shuts down, and `anyio.run` returns with no task of it left."""
    stopped: list[str] = []
    left: list[asyncio.Task[Any]] = []

    class Slow(Actor):
        async def receive(self, message: Any) -> Any:
            await asyncio.Event().wait()

    async def main() -> None:
        with anyio.fail_after(30):
            started = anyio.Event()

            async def lifespan() -> None:
                async with ActorSystem("app") as system:
                    await system.spawn(Unwinding, stopped, name="a")
                    slow = await system.spawn(Slow, name="slow")
                    group.start_soon(slow.ask, "request", 60.0)
                    started.set()
                    await anyio.sleep_forever()

            async with anyio.create_task_group() as group:
                group.start_soon(lifespan)
                await started.wait()
                await anyio.sleep(0.01)  # the request is being handled
                group.cancel_scope.cancel()
            current = asyncio.current_task()
            left.extend(t for t in asyncio.all_tasks() if t is not current and not t.done())

    anyio.run(main, backend="asyncio", backend_options=anyio_backend_options)
    assert stopped == ["a"]
    assert left == []


@pytest.fixture(params=[False, True], ids=["asyncio", "uvloop"])
def anyio_backend_options(request: pytest.FixtureRequest) -> dict[str, bool]:
    return {"use_uvloop": request.param}


async def test_a_serve_http_cut_short_by_a_cancelled_scope_leaves_its_port_free() -> None:
    async with asyncio.timeout(30), ActorSystem("web") as system:
        await (await system.serve_http(port=0)).close()  # aiohttp loaded: the turns are the bind's
        for turns in TURNS:
            with HeldPort(shared=True) as held:  # the server binds it; no one else can
                served, _ = await scope_cancelled_after(turns, system.serve_http(port=held.port))
                if served is not None:
                    await served.close()
                again = await system.serve_http(port=held.port)  # EADDRINUSE if left listening
                await again.close()
