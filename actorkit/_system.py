"""`ActorSystem`: owns the root of the supervision tree, the clock, the registry of paths,
dead letters and the services that later layers attach (router, tasks, metrics)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Iterable
from types import TracebackType
from typing import TYPE_CHECKING, Any

from ._accounting import Accounting
from ._actor import DEFAULT_MAILBOX_SIZE, Actor
from ._cell import Cell
from ._clock import Clock, SystemClock
from ._errors import ActorStopped, SystemFailed
from ._metrics import Metrics
from ._pool import Pool
from ._pool_ref import PoolRef, check_pool
from ._protocols import Ref
from ._receive import run
from ._ref import ActorRef
from ._router import Router
from ._runtime import Runtime
from ._seconds import check_seconds
from ._signals import Stop
from ._spawn import UNBOUNDED, check_factory
from ._supervision import OneForOne, Strategy, _Strategy
from ._tasks import AgentInfo, TaskHandle, TaskLayer, TaskStats
from ._timers import TimerHandle, check_delay, check_interval
from ._transport import Transport, check_transport
from ._watchdog import BLOCKED_THRESHOLD, Watchdog

if TYPE_CHECKING:
    from prometheus_client import CollectorRegistry

    from ._http import HttpServer

logger = logging.getLogger("actorkit")

SHUTDOWN_TIMEOUT = 10.0
FORCED_STOP_GRACE = 1.0
"""After the shutdown timeout, how long cancelled actors get to unwind before being abandoned."""


class _Root(Actor):
    """The guardian above top-level actors; it only supervises."""


class ActorSystem:
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
    ) -> None:
        if not isinstance(name, str) or not name or "/" in name:
            raise ValueError(f"system name must be a non-empty str without '/', got {name!r}")
        if supervisor is not None and not isinstance(supervisor, _Strategy):
            raise TypeError(
                "supervisor must be a strategy such as OneForOne(max_restarts=3, within=5.0), "
                f"got {type(supervisor).__name__}"
            )
        self.transport = check_transport(transport)
        self._transport = self.transport
        self.name = name
        runtime = self._runtime = Runtime(
            self,
            name,
            clock if clock is not None else SystemClock(),
            supervisor if supervisor is not None else OneForOne(),
            OneForOne(),
        )
        runtime.on_root_failure = self._root_failed
        self.clock = runtime.clock
        self.dead_letters = runtime.dead_letters
        self.instruments = runtime.instruments
        self.ask_deadlines = runtime.ask_deadlines
        self.timers = runtime.timers
        self.router = Router(self.dead_letters)
        self._router = self.router
        runtime.on_stop(self.router.forget)
        self.metrics = Metrics(self, metrics, registry)
        runtime.stats_for = self.metrics.stats_for
        self.watchdog = Watchdog(self, blocked_threshold)
        self._tasks = TaskLayer(self)
        self.failure: BaseException | None = None
        self._root: Cell | None = None
        self._stopped: asyncio.Event | None = None
        self._background: set[asyncio.Task[Any]] = set()
        self._servers: list[HttpServer] = []

    @property
    def loop(self) -> asyncio.AbstractEventLoop:
        return self._runtime.loop

    @property
    def accepting(self) -> bool:
        return self._runtime.accepting

    @property
    def shutting_down(self) -> bool:
        return self._runtime.shutting_down

    @property
    def pending_timers(self) -> int:
        return self._runtime.timers.pending

    # --- lifecycle ------------------------------------------------------------------------
    async def start(self) -> ActorSystem:
        if self._root is not None:
            raise RuntimeError(f"actor system {self.name!r} was already started")
        runtime = self._runtime
        runtime.loop = asyncio.get_running_loop()
        self.metrics.start(runtime.loop)
        self.clock.attach(runtime.loop, self.is_idle)
        self._stopped = asyncio.Event()
        root = Cell(runtime, None, "", _Root, (), {}, UNBOUNDED, "permanent")
        root.instance = root.make_instance()
        root.started()
        root.task = self.loop.create_task(run(root, None))
        self._root = root
        runtime.accepting = True
        self.watchdog.start(self.loop)
        if self.transport is not None:
            try:
                await self.transport.start(self)
            except BaseException:
                await self.shutdown()
                raise
        return self

    async def shutdown(self, timeout: float = SHUTDOWN_TIMEOUT) -> None:
        """Stop every actor, children before parents in reverse start order, draining
        mailboxes first, then close the HTTP endpoints. Never raises for slowness and never
        hangs: past `timeout` it cancels what is left, fails their asks with `ActorStopped`,
        logs their paths and returns."""
        timeout = check_seconds(timeout, "shutdown timeout", zero_ok=True)
        await self._stop_actors(timeout)
        self.metrics.stop()
        self.watchdog.stop()
        if self.transport is not None:
            await self.transport.stop()
        for server in self._servers:
            await server.close()

    async def _stop_actors(self, timeout: float) -> None:
        root, stopped = self._root, self._stopped
        if root is None or stopped is None:
            return
        if self.shutting_down:
            await stopped.wait()
            return
        self._runtime.shutting_down = True
        self._runtime.accepting = False
        self._tasks.close()
        orderly = self.loop.create_task(root.call(Stop(None, drain=True)))
        done, _ = await asyncio.wait({orderly}, timeout=max(0.0, timeout))
        if not done:
            orderly.cancel()
            await self._force_stop(timeout)
        self.ask_deadlines.close()
        self.timers.close()
        self.clock.detach(self.is_idle)
        stopped.set()

    async def _force_stop(self, timeout: float) -> None:
        live = sorted(
            (cell for cell in [*self._runtime.cells(), self._root] if cell is not None),
            key=lambda cell: cell.path.count("/"),
            reverse=True,
        )
        tasks = {cell.task: cell for cell in live if cell.task is not None and not cell.task.done()}
        for cell in live:
            cell.kill()
        logger.warning(
            "shutdown of %s exceeded %ss; cancelled: %s",
            self.name,
            timeout,
            ", ".join(cell.display_path for cell in tasks.values()) or "(none)",
        )
        if tasks:
            _, pending = await asyncio.wait(tasks, timeout=FORCED_STOP_GRACE)
            if pending:
                logger.error(
                    "shutdown of %s abandoned actors that ignored cancellation: %s",
                    self.name,
                    ", ".join(tasks[task].display_path for task in pending),
                )

    async def __aenter__(self) -> ActorSystem:
        return await self.start()

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.shutdown()
        if self.failure is not None:
            raise SystemFailed(
                f"actor system {self.name!r} failed: {self.failure!r}"
            ) from self.failure

    def _root_failed(self, error: BaseException) -> None:
        """A failure escalated past the root: record it and stop the actors. The HTTP
        endpoint keeps answering (503) until the owner shuts the system down."""
        if self.failure is None:
            self.failure = error
        self._runtime.accepting = False
        logger.error("actor system %s failed: %r", self.name, error, exc_info=error)
        self._in_background(self._stop_actors(SHUTDOWN_TIMEOUT))

    def _in_background(self, coro: Any) -> None:
        task = self.loop.create_task(coro)
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    @property
    def healthy(self) -> bool:
        return self.failure is None and self.accepting

    # --- actors ---------------------------------------------------------------------------
    async def spawn(
        self,
        factory: Any,
        *args: Any,
        name: str | None = None,
        mailbox_size: int | None = DEFAULT_MAILBOX_SIZE,
        restart: str = "permanent",
        capabilities: Iterable[str] = (),
        **kwargs: Any,
    ) -> ActorRef:
        """Start a top-level actor supervised by the root; returns once `on_start` finished."""
        return await self._running_root().spawn_child(
            factory,
            args,
            kwargs,
            name=name,
            mailbox_size=mailbox_size,
            restart=restart,
            capabilities=capabilities,
        )

    async def spawn_pool(
        self,
        factory: Any,
        *args: Any,
        size: int = 4,
        routing: str = "round_robin",
        name: str | None = None,
        hash_key: Callable[[Any], object] | None = None,
        mailbox_size: int | None = DEFAULT_MAILBOX_SIZE,
        restart: str = "permanent",
        capabilities: Iterable[str] = (),
        **kwargs: Any,
    ) -> PoolRef:
        """Start `size` supervised members behind one ref that routes each message to a
        member: `round_robin`, `random`, `least_loaded`, `consistent_hash` or `broadcast`.
        The spawn options apply to each member; other arguments go to the factory."""
        check_pool(size, routing, hash_key)
        check_factory(factory)
        options = {"mailbox_size": mailbox_size, "restart": restart, "capabilities": capabilities}
        ref = await self.spawn(
            Pool, factory, args, kwargs, size, routing, hash_key, options, name=name
        )
        assert isinstance(ref, PoolRef)
        return ref

    def _running_root(self) -> Cell:
        if self._root is None:
            raise RuntimeError(
                f"actor system {self.name!r} is not started; use `async with ActorSystem()`"
            )
        return self._root

    def lookup(self, path: str) -> ActorRef | None:
        cell = self._runtime.lookup(path)
        return cell.ref if cell is not None else None

    async def ask(self, path: str, message: Any, timeout: float = 5.0) -> Any:
        ref = self.lookup(path)
        if ref is None:
            raise ActorStopped(f"no actor at {path!r}; the ask was not delivered")
        return await ref.ask(message, timeout=timeout)

    def accounting(self) -> Accounting:
        """System-wide message accounting over live and stopped actors. At any moment
        `accepted == processed + crashed + dead_lettered + queued + handling`."""
        return self._runtime.accounting()

    def cells(self) -> list[Cell]:
        return self._runtime.cells()

    @property
    def actor_count(self) -> int:
        """Live actors, without building a list of them (`/healthz` reads it each probe)."""
        return self._runtime.actor_count

    @property
    def root(self) -> Cell:
        return self._running_root()

    def is_idle(self) -> bool:
        """True when every actor is parked on an empty mailbox (for `ManualClock`)."""
        root = self._root
        if root is None:
            return True
        return (root.parked or root.closed) and all(
            cell.parked or cell.closed for cell in self._runtime.cells()
        )

    # --- observability ------------------------------------------------------------------
    async def serve_http(
        self, host: str = "127.0.0.1", port: int = 9464, auth: object = None
    ) -> HttpServer:
        """Serve `/metrics` (Prometheus), `/healthz` and `/actors` until closed or the system
        exits. Port 0 picks a free port; the handle's `.port` says which."""
        self._running_root()
        from ._http import serve

        server = await serve(self, host, port, auth)
        self._servers.append(server)
        return server

    # --- pub-sub --------------------------------------------------------------------------
    def subscribe(self, ref: ActorRef, pattern: str) -> None:
        """Deliver every publish whose topic matches `pattern` (NATS rules: `*` is one
        token, `>` one or more trailing tokens) to `ref`, once per publish."""
        self.router.subscribe(_cell_of(ref), pattern)

    def unsubscribe(self, ref: ActorRef, pattern: str | None = None) -> None:
        """Remove one subscription, or all of `ref`'s when `pattern` is None."""
        self.router.unsubscribe(_cell_of(ref), pattern)

    def publish(self, topic: str, message: Any) -> int:
        """Deliver to every subscribed actor whose pattern matches; returns how many got it.
        No subscriber, or a full mailbox, makes a dead letter; publish never raises for it.
        With a transport it also goes to every connected system (raising TypeError first for
        a message that cannot cross); it returns the local deliveries, and no local
        subscriber is not a dead letter, since other systems may have some."""
        transport = self.transport
        if transport is None:
            return self.router.publish(topic, message)
        transport.publish(topic, message)
        return self.router.publish(topic, message, unmatched_is_dead=False)

    # --- other systems (with a transport) ---------------------------------------------------
    def expose(self, ref: ActorRef, *, group: str | None = None) -> None:
        """Make a local actor reachable from other systems by `remote(self.name, ref.path)`;
        with `group=`, it also joins that queue group, so each message to
        `remote_group(group)` goes to one member among all systems that expose one."""
        self._transport_for("expose").expose(ref, group)

    def remote(self, system: str, path: str) -> Ref:
        """A ref to the actor exposed at `path` in the system named `system`."""
        return self._transport_for("remote").remote(system, path)

    def remote_group(self, group: str) -> Ref:
        """A ref whose messages each go to one member of the group, in any system."""
        return self._transport_for("remote_group").remote_group(group)

    def _transport_for(self, what: str) -> Transport:
        if self.transport is None:
            raise RuntimeError(
                f"{what} needs a transport: ActorSystem(name, "
                "transport=actorkit.nats.NatsTransport(servers=[...]))"
            )
        self._running_root()
        return self.transport

    # --- tasks ----------------------------------------------------------------------------
    async def submit(
        self,
        payload: Any,
        priority: int = 0,
        deadline: float | None = None,
        requires: Iterable[str] = (),
        retries: int = 0,
    ) -> TaskHandle:
        """Hand `payload` to an idle agent with every capability in `requires` (highest
        priority first, then first submitted); `deadline` is seconds from now to start it."""
        return self._tasks.submit(payload, priority, deadline, requires, retries)

    @property
    def tasks(self) -> TaskStats:
        return self._tasks.stats

    def agents(self) -> list[AgentInfo]:
        """Every live agent (an actor with capabilities), restarting ones included."""
        return self._tasks.agents()

    # --- time -----------------------------------------------------------------------------
    def schedule_once(self, delay: float, ref: Ref, message: Any) -> TimerHandle:
        """Deliver `message` to `ref` after `delay` seconds on the system clock."""
        return self._schedule(check_delay(delay), ref, message, None)

    def schedule_every(
        self, interval: float, ref: Ref, message: Any, initial_delay: float | None = None
    ) -> TimerHandle:
        """Deliver `message` every `interval` seconds without drift (missed ticks coalesce)."""
        interval = check_interval(interval)
        first = interval if initial_delay is None else check_delay(initial_delay, "initial_delay")
        return self._schedule(first, ref, message, interval)

    def _schedule(
        self, delay: float, ref: Ref, message: Any, interval: float | None
    ) -> TimerHandle:
        if not isinstance(ref, ActorRef) and not isinstance(ref, Ref):
            raise TypeError(f"schedule needs an ActorRef to deliver to, got {type(ref).__name__}")
        self._running_root()
        handle = TimerHandle(self.timers, ref, message, self.clock.now() + delay, interval)
        self.timers.pending += 1
        self.timers.push(handle)
        if interval is not None:
            self.timers.follow(handle)
        return handle

    def __repr__(self) -> str:
        return f"<ActorSystem {self.name!r} actors={self._runtime.actor_count}>"


def _cell_of(ref: object) -> Cell:
    if not isinstance(ref, ActorRef):
        raise TypeError(
            f"expected an ActorRef, got {type(ref).__name__}; a remote actor subscribes in "
            "the system that owns it (a remote ref offers tell, send and ask)"
        )
    return ref._cell
