"""actorkit embedded in an anyio host (Starlette and FastAPI lifespans, anyio task groups,
anyio's pytest plugin), on asyncio's loop and uvloop: an anyio cancel scope cancels its task
again at every await until the scope is left, where asyncio's `Task.cancel()` lands once.
What the runtime waits for after a cancellation must still be waited for, and the
cancellation must then go on to the scope that asked for it (docs/api.md, "anyio hosts")."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import anyio
import pytest

from actorkit import Actor, ActorSystem
from actorkit.testing import ManualClock, accepting, snapshot

from .anyio_support import cancel_after_turns, scope_cancelled_after
from .invariants import TaskSnapshot, assert_settled
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


class Member(Actor):
    """Its start and its handling each span a loop turn, so a cancellation can land in them."""

    async def on_start(self) -> None:
        await asyncio.sleep(0)

    async def receive(self, message: Any) -> Any:
        await asyncio.sleep(0)
        return message


async def test_the_core_calls_cut_by_a_cancelled_scope_leave_nothing_behind() -> None:
    """`spawn`, `ask`, `send`, `stop(timeout=...)` and `PoolRef.resize`, each cut at every
    loop turn by a scope that cancels again at every await: the scope gets its cancellation
    (it never escapes it), and nothing is left waiting, reserved or half-resized."""
    clock = ManualClock()
    async with asyncio.timeout(30), ActorSystem("calls", metrics=False, clock=clock) as system:
        pool = await system.spawn_pool(Member, size=3, name="pool")
        target = await system.spawn(Member, name="target", mailbox_size=1)
        for turns in TURNS:
            spawned, _ = await scope_cancelled_after(turns, system.spawn(Member, name="new"))
            if spawned is not None:
                await spawned.stop()
            assert system.lookup("/new") is None  # the name is free: nothing half-started
            await scope_cancelled_after(turns, target.ask("ask", timeout=30))
            await scope_cancelled_after(turns, target.send("send"))
            await scope_cancelled_after(turns, pool.resize(5 if turns % 2 else 1))
            await clock.settle()  # what the pool took goes on to its end
            assert len(pool.members) == pool.size == len(snapshot(pool).children)
            assert snapshot(target).reserved == 0
            await pool.resize(3)
            stopping = await system.spawn(Member)
            await scope_cancelled_after(turns, stopping.stop(timeout=5.0))
            await stopping.stop()
            assert await target.ask("after") == "after"
        await clock.advance(60.0)  # past every timeout the calls started
        await assert_settled(system)
        assert clock.pending == 0  # no deadline of a call cut short is left on the clock


class UsesAnyio(Actor):
    """A handler that runs anyio: a task group with children that never end, anyio's sleep,
    a thread, or a child task that fails (an `ExceptionGroup` out of the group)."""

    def __init__(self, entered: asyncio.Event, thread_holds: threading.Event) -> None:
        self.entered, self.thread_holds = entered, thread_holds

    async def receive(self, message: Any) -> Any:
        self.entered.set()
        if message == "group":
            async with anyio.create_task_group() as group:
                group.start_soon(anyio.sleep_forever)
                group.start_soon(anyio.sleep, 3600)
                await anyio.sleep_forever()
        elif message == "thread":
            await anyio.to_thread.run_sync(self.thread_holds.wait)
        elif message == "fail":
            async with anyio.create_task_group() as group:
                group.start_soon(fails)
                await anyio.sleep_forever()
        return message


async def fails() -> None:
    raise ValueError("a child task failed")


@pytest.mark.parametrize("how", ["stop", "shutdown"])
async def test_handlers_running_anyio_are_cut_short_within_the_bound_leaving_no_task(
    how: str,
) -> None:
    """A forced stop (`ref.stop(timeout=...)`, the shutdown's timeout) cancels the handler's
    task: its task group's children are cancelled and awaited as the group unwinds, within
    the grace. `to_thread.run_sync` returns at once, its thread running on to its end: the
    forced stop's `Task.cancel()` goes through anyio's shielded scopes on asyncio."""
    tasks = TaskSnapshot()
    thread_holds = threading.Event()
    try:
        async with asyncio.timeout(10):
            system = await ActorSystem("hosted").start()
            refs = []
            for message in ("group", "thread"):
                entered = asyncio.Event()
                ref = await system.spawn(UsesAnyio, entered, thread_holds)
                ref.tell(message)
                await entered.wait()
                refs.append(ref)
            if how == "stop":
                for ref in refs:
                    await ref.stop(timeout=0.05)
                assert not any(ref.is_alive for ref in refs)
            await system.shutdown(timeout=0.05)
            assert not thread_holds.is_set()  # the thread still runs: the stop did not wait
    finally:
        thread_holds.set()
    await tasks.assert_no_leaks()


async def test_an_exception_group_from_a_handlers_task_group_is_a_failure_and_restarts() -> None:
    async with asyncio.timeout(10), ActorSystem("hosted") as system:
        ref = await system.spawn(UsesAnyio, asyncio.Event(), threading.Event())
        with pytest.raises(ExceptionGroup) as failed:
            await ref.ask("fail")
        assert failed.group_contains(ValueError)
        assert await ref.ask("after") == "after"  # restarted
        assert snapshot(ref).restarts == 1


async def test_a_thread_anyio_started_reaches_the_system_through_from_thread() -> None:
    """A sync Starlette endpoint runs in a thread of anyio's: `anyio.from_thread` hands its
    calls to the system's loop, as `run_coroutine_threadsafe` does for any other thread."""

    def endpoint(ref: Any) -> Any:
        anyio.from_thread.run_sync(ref.tell, "told")
        return anyio.from_thread.run(ref.ask, "asked")

    async with asyncio.timeout(10), ActorSystem("threads") as system:
        ref = await system.spawn(Member)
        assert await anyio.to_thread.run_sync(endpoint, ref) == "asked"
        assert snapshot(ref).accounting.processed == 2


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
