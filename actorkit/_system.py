"""`ActorSystem`: the documented face of a tree of supervised actors.

Its public names are exactly the contract (docs/api.md). Behind them it wires a runtime
(`_runtime`: what the kernel needs) to the services — router, tasks, metrics, watchdog,
transport, HTTP — and hands each only what it uses; none of them holds the system.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterable, Iterator
from typing import TYPE_CHECKING, Any

from ._actor import DEFAULT_MAILBOX_SIZE, Actor
from ._awaited import in_an_actor
from ._begun import begun_task
from ._clock import Clock, SystemClock
from ._ended import Ended
from ._errors import not_running
from ._imports import import_off_the_loop
from ._kept_traces import system_failed
from ._loop_end import LoopEnd, shutdown_begun
from ._metrics import Metrics
from ._persistence_id import spawn_durable
from ._pool import PoolSpec, start_pool
from ._pool_ref import PoolRef
from ._reach import Reach
from ._ref import ActorRef
from ._root import open_root
from ._router import Router
from ._runtime import Runtime
from ._seconds import check_seconds
from ._shutdown import ActorsStop, as_step, closing_after_failure, every_step, leaving
from ._state import STARTING
from ._supervision import OneForOne, Strategy
from ._system_checks import check_loop, check_own_loop, check_startable, check_system, get_ident
from ._tasks import TaskLayer
from ._transport import Host, Transport, check_transport
from ._watchdog import BLOCKED_THRESHOLD, Watchdog

if TYPE_CHECKING:
    from types import TracebackType

    from prometheus_client import CollectorRegistry

    from ._dead_letters import DeadLetters
    from ._http import HttpServer
    from ._http_auth import GivenAuth
    from .persistence import AgentChange, Store
    from .persistence._service import Persistence


SHUTDOWN_TIMEOUT = 10.0


class ActorSystem(Reach):
    """A tree of supervised actors on the running event loop.

    Use it as `async with ActorSystem("app") as system:`; leaving the block shuts down
    gracefully and raises `SystemFailed` if a failure escalated past the root supervisor.
    """

    def __init__(
        self,
        name: str = "actorkit",
        *,
        supervisor: Strategy | None = None,
        metrics: bool = True,
        clock: Clock | None = None,
        transport: Transport | None = None,
        blocked_threshold: float = BLOCKED_THRESHOLD,
        registry: CollectorRegistry | None = None,
        store: Store | None = None,
        agent_history: bool = False,
    ) -> None:
        self.name: str = check_system(name, supervisor, metrics, clock)
        self._transport = check_transport(transport)
        self._linked: Transport | None = None  # once its start returned: ours to close then
        runtime = self._runtime = Runtime(
            self,
            self.name,
            clock if clock is not None else SystemClock(),
            supervisor if supervisor is not None else OneForOne(),
            OneForOne(),
        )
        runtime.on_root_failure, runtime.shut_down = self._root_failed, self.shutdown
        self._router = Router(runtime.dead_letters)
        self.metrics: Metrics = Metrics(runtime, metrics, registry)
        runtime.stats_for = self.metrics.stats_for
        self._watchdog = Watchdog(runtime, blocked_threshold)
        self._tasks = TaskLayer(runtime, self.metrics)
        self._persistence: Persistence | None = None
        if store is not None or agent_history is not False:  # else no persistence code loads
            from .persistence._service import attach

            self._persistence = attach(store, runtime, self.metrics, self._tasks, agent_history)
        self.failure: BaseException | None = None
        """The error that escalated past the root supervisor, if one did."""
        self._started: asyncio.Future[None] | None = None
        self._asked: float | None = None  # the shortest shutdown timeout asked during start
        self._stopping: ActorsStop | None = None
        self._closing: asyncio.Task[None] | None = None
        self._loop_end: LoopEnd | None = None
        self._servers: list[HttpServer] = []
        self._ended = Ended(runtime, lambda: self._closing is not None)

    # --- lifecycle ------------------------------------------------------------------------
    async def start(self) -> ActorSystem:
        runtime = self._runtime
        check_startable(self.name, self._started is not None, self._closing is not None)
        loop = runtime.on_loop(asyncio.get_running_loop())
        self._started = started = loop.create_future()  # what a shutdown meanwhile awaits
        try:  # a failure (a store, a registry taken, a transport) shuts down what started
            if self.metrics.enabled:
                await import_off_the_loop("actorkit._metric_families")
            if self._persistence is not None:
                await self._persistence.open()  # before anything runs
            self.metrics.start(loop, self._router, self._watchdog)
            open_root(runtime, loop)
            self._watchdog.start(loop)
            if self._transport is not None:
                await self._transport.start(Host(self.name, runtime, self._router, self.metrics))
                self._linked = self._transport
        except BaseException:
            started.set_result(None)
            await closing_after_failure(self.shutdown(), self.name)
            raise
        started.set_result(None)
        self._loop_end = LoopEnd(loop, self)
        if self._asked is not None:  # begun here: its caller may have stopped waiting
            self._begin(loop, self._asked)
        return self

    async def shutdown(self, timeout: float = SHUTDOWN_TIMEOUT) -> None:
        """Stop every actor, children before parents in reverse start order, draining mailboxes
        first, then close the HTTP endpoints. Never raises for slowness and never hangs: past
        `timeout` it cancels what is left (docs/api.md says how); what fails to close (a store)
        is raised once the rest is closed. A start under way ends first, and the shutdown then
        begins as it returns. It runs in a task of its own, once: a second call waits for the
        same one, a caller that is cancelled (also while the start runs) cannot cut it short or
        call it off, and a stop already under way is forced at the earlier of its own deadline
        and `timeout` from now. Called from inside an actor, it starts the shutdown and returns
        at once: waiting would wait for the caller's own handler to end."""
        timeout = check_seconds(timeout, "shutdown timeout", zero_ok=True)
        loop = check_loop(self._runtime, "shutdown")
        if self._started is not None and not self._started.done():  # what it opens is ours
            self._asked = timeout if self._asked is None else min(self._asked, timeout)
            await asyncio.shield(self._started)
        closing = self._begin(loop, timeout)
        root = self._runtime.root
        if root is not None and in_an_actor(root):
            return
        await asyncio.shield(closing)
        self._runtime.hand_exit_to_owner()

    def _begin(self, loop: asyncio.AbstractEventLoop, timeout: float) -> asyncio.Task[None]:
        """The shutdown's start, once the system's start has ended; a later call only
        hastens the actors' stop."""
        stopping = self._stop_actors(timeout)
        shutdown_begun(self._loop_end)
        if self._closing is None:
            self._closing = begun_task(loop, every_step(self._closing_steps(stopping)))
        return self._closing

    def _closing_steps(self, stopping: ActorsStop | None) -> Iterator[Awaitable[object]]:
        """The actors' stop, then what holds files, sockets or connections, each made once
        the one before ended (`every_step` carries them out, cancelled or not)."""
        if stopping is not None:
            yield stopping.finish()
        if self._persistence is not None:
            yield self._persistence.close()
        yield as_step(self.metrics.stop)  # a user's registry may fail to let it go
        yield as_step(self._watchdog.stop)
        if self._linked is not None:
            yield self._linked.stop()
        yield asyncio.gather(*(server.close() for server in self._servers))
        yield as_step(self._ended.end)

    def _stop_actors(self, timeout: float) -> ActorsStop | None:
        """Started here, not in the closing task: a call before that task runs can hasten it."""
        runtime = self._runtime
        if runtime.root is None:
            return None
        if self._stopping is None:
            runtime.shutting_down, runtime.accepting = True, False
            self._tasks.close()
            if self._linked is not None:  # work other systems can take goes there now
                self._linked.closing()
            self._stopping = ActorsStop(runtime, runtime.root, timeout)
        else:
            self._stopping.hasten(timeout)
        return self._stopping

    async def __aenter__(self) -> ActorSystem:
        return await self.start()

    async def __aexit__(self, *exc_info: object) -> None:
        if (failed := await leaving(self, exc_info[1])) is not None:
            raise failed from self.failure

    def _root_failed(self, error: BaseException, traceback: TracebackType | None) -> None:
        """Past the root: the actors stop; `/healthz` answers 503 until the owner shuts down."""
        if self.failure is None:
            self.failure = error
        self._runtime.accepting = False
        system_failed(self.name, error, traceback or error.__traceback__)
        self._runtime.loop.call_soon(self._ended.after_failure, self._stop_actors, SHUTDOWN_TIMEOUT)

    async def wait_stopped(self) -> None:
        """Returns once no actor runs: the shutdown finished, or a failure past the root
        (`failure`, set by then, never raised) stopped them; raises an actor's exit."""
        await self._ended.wait()

    @property
    def healthy(self) -> bool:
        """Started, not failed, not shutting down (`/healthz` answers 200): what `accepting` is."""
        return self._runtime.accepting

    # --- actors ---------------------------------------------------------------------------
    async def spawn(
        self,
        factory: Callable[..., Actor],
        *args: Any,
        name: str | None = None,
        mailbox_size: int | None = DEFAULT_MAILBOX_SIZE,
        restart: str = "permanent",
        capabilities: Iterable[str] = (),
        persistence_id: str | None = None,
        **kwargs: Any,
    ) -> ActorRef:
        """Start a top-level actor supervised by the root; returns once `on_start` finished.
        A durable actor's `persistence_id` defaults to its path."""
        root = (runtime := self._runtime).root or self._running_root("spawn")
        if get_ident() != runtime.thread or not runtime.loop.is_running():  # `on_another_loop`
            check_own_loop(runtime, "spawn")
        if persistence_id is not None:
            options = (name, mailbox_size, restart, capabilities)
            return await spawn_durable(root, factory, args, kwargs, options, persistence_id)
        cell = root.new_child(factory, args, kwargs, name, mailbox_size, restart, capabilities)
        if cell.state is STARTING:
            await cell.start()
        return cell.ref_ or cell.ref  # the property's call only for a ref let go (`close`)

    async def spawn_pool(
        self,
        factory: Callable[..., Actor],
        *args: Any,
        size: int = 4,
        routing: str = "round_robin",
        name: str | None = None,
        hash_key: Callable[[Any], object] | None = None,
        mailbox_size: int | None = DEFAULT_MAILBOX_SIZE,
        restart: str = "permanent",
        capabilities: Iterable[str] = (),
        supervisor: Strategy | None = None,
        **kwargs: Any,
    ) -> PoolRef:
        """Start `size` members, supervised by `supervisor` (else the system's default), behind
        one ref that routes each message to a member (`round_robin`, `random`, `least_loaded`,
        `consistent_hash` or `broadcast`); spawn options apply to each member, others to the
        factory."""
        if not self._runtime.accepting:  # refused here: `spawn` below would name itself
            raise not_running(self.name, "spawn_pool", self._runtime.root is not None)
        options = {"mailbox_size": mailbox_size, "restart": restart, "capabilities": capabilities}
        pool = PoolSpec(factory, args, kwargs, size, routing, hash_key, options, supervisor)
        return await start_pool(self.spawn, name, pool)

    @property
    def store(self) -> Store | None:
        """The store durable actors persist to (`ActorSystem(store=...)`), or None."""
        return None if self._persistence is None else self._persistence.given

    async def agent_history(self, path: str) -> list[AgentChange]:
        """An agent's durable state history, oldest first (`ActorSystem(agent_history=True)`)."""
        from .persistence._agent_history import read_history

        return await read_history(self._persistence, self.name, path)

    @property
    def dead_letters(self) -> DeadLetters:
        return self._runtime.dead_letters

    # --- observability ------------------------------------------------------------------
    async def serve_http(
        self, host: str = "127.0.0.1", port: int = 9464, auth: GivenAuth | None = None
    ) -> HttpServer:
        """Serve `/metrics`, `/healthz` and `/actors` until closed or the system exits."""
        root = self._running_root("serve_http")
        if self._closing is None:  # else no port is bound for a system that serves nothing
            await import_off_the_loop("actorkit._http")
            from ._http import serve

            server = await serve(self, root, self._transport, host, port, auth)
            if self._closing is None:
                return server.track(self._servers)
            await server.close()  # type: ignore[unreachable]  # shut down while binding
        raise not_running(self.name, "serve_http", started=True)

    def __repr__(self) -> str:
        return f"<ActorSystem {self.name!r} actors={self._runtime.actor_count}>"
