"""`python -m actorkit demo`: a live multi-agent system you can watch, scrape and break.

- `/team`: a supervisor (one_for_one) over an `/team/translators` pool of three agents with
  the `translate` capability, a `/team/renderer` agent with `render` and `gpu`, and a
  `/team/flaky` translator that crashes now and then; its tasks are retried elsewhere and
  the supervisor restarts it (visible in the status line, the logs and the metrics).
- `/auditor` subscribes to `orders.>` and counts the events the driver publishes.
- `/driver` runs on a periodic timer: each tick it publishes order events, submits tasks with
  priorities and deadlines, and asks the auditor for its count.
"""

from __future__ import annotations

import contextlib
import logging
import random
import sys
import time
from typing import Any

import anyio

from ._actor import Actor
from ._cli_errors import BAD_ARGUMENTS, FAILED, CommandError, fail, silenced, unwritable
from ._demo_cluster import GROUP, Courier, nats_transport, node_name
from ._demo_signals import Interrupts, interrupts
from ._errors import ActorStopped, NameTaken
from ._http_auth import reached_at
from ._runner import run
from ._supervision import OneForOne
from ._supervisor import ChildSpec, Supervisor
from ._system import ActorSystem
from ._tasks import Task

TICK = 0.02
"""Seconds between driver ticks: about 50 ticks/s of events, tasks and asks."""


class Translator(Actor):
    capabilities = ("translate",)

    async def receive(self, message: Any) -> Any:
        if isinstance(message, Task):
            return f"{message.payload} (translated)"
        if isinstance(message, str):  # a document from a cluster node's courier
            return f"{message} (translated by {self.system.name})"
        return None


class FlakyTranslator(Translator):
    """Crashes on about one task in forty, on purpose."""

    async def receive(self, message: Any) -> Any:
        if isinstance(message, Task) and random.random() < 1 / 40:
            raise RuntimeError("flaky translator tripped (on purpose)")
        return await super().receive(message)


class Renderer(Actor):
    capabilities = ("render", "gpu")

    async def receive(self, message: Any) -> Any:
        if isinstance(message, Task):
            return f"frame {message.payload}"
        return None


class Auditor(Actor):
    def __init__(self) -> None:
        self.events = 0

    async def on_start(self) -> None:
        self.subscribe("orders.>")

    async def receive(self, message: Any) -> Any:
        if message == "count":
            return self.events
        self.events += 1
        return None


class Driver(Actor):
    def __init__(self) -> None:
        self.tick = 0

    async def on_start(self) -> None:
        self.timers.start_every("tick", "tick", TICK)

    async def receive(self, message: Any) -> Any:
        self.tick += 1
        system = self.system
        for region in ("eu", "us", "apac"):
            system.publish(f"orders.{region}.created", {"order": self.tick, "region": region})
        with contextlib.suppress(ActorStopped):  # a tick as the demo stops: no failure
            for n in range(4):
                await system.submit(
                    f"doc-{self.tick}-{n}", priority=random.randint(0, 2), deadline=5.0,
                    requires=("translate",), retries=3,
                )  # fmt: skip
            if self.tick % 5 == 0:
                await system.submit(self.tick, requires=("render", "gpu"), deadline=5.0)
            auditor = system.lookup("/auditor")
            if auditor is not None:
                await auditor.ask("count", timeout=1.0)
        return None


def _totals(system: ActorSystem) -> dict[str, int]:
    """Read through the public face: accounting, metrics, tasks, dead letters."""
    accounting = system.accounting()
    classes = system.metrics.classes()
    return {
        "processed": accounting.processed,
        "asks": sum(sum(stats.asks_by_outcome().values()) for stats in classes),
        "tasks": system.tasks.by_status.get("succeeded", 0),
        "restarts": sum(stats.restarts for stats in classes),
        "dead": system.dead_letters.count,
        "depth": accounting.queued,
    }


class _ReaderGone(Exception):
    """Whoever read stdout has gone (`demo | head`): the demo stops as on Ctrl-C."""


def _say(line: str) -> None:
    """One line on stdout, or `_ReaderGone`, or the `CommandError` of a stdout that cannot
    be written; stdout is then the null device, so that nothing printed later, nor the
    flush at exit, fails again."""
    try:
        print(line, flush=True)
    except BrokenPipeError:
        silenced(sys.stdout)
        raise _ReaderGone from None
    except OSError as error:  # a full disk
        raise unwritable(sys.stdout, error) from None


async def _status(system: ActorSystem, started: float) -> None:
    """Returns when the reader has gone, to stop the demo."""
    last = _totals(system)
    while True:
        await anyio.sleep(1.0)
        now = _totals(system)
        try:
            _say(
                f"[{time.monotonic() - started:5.1f}s] "
                f"msgs/s {now['processed'] - last['processed']:>7,}  "
                f"asks/s {now['asks'] - last['asks']:>5,}  "
                f"tasks done {now['tasks']:>6,}  restarts {now['restarts']:>3}  "
                f"dead letters {now['dead']:>4}  mailbox depth {now['depth']:>4}"
            )
        except _ReaderGone:
            return
        last = now


async def _demo(
    duration: float | None, host: str, port: int | None, nats: str | None, name: str | None
) -> int:
    started = time.monotonic()
    try:
        transport = None if nats is None else nats_transport(nats)
    except (TypeError, ValueError) as error:
        raise CommandError(f"{error} (set by --nats)", BAD_ARGUMENTS) from None
    try:
        # An empty --name is refused as the system refuses it, not taken for no --name.
        system_name = node_name(name) if nats is not None else ("demo" if name is None else name)
        made = ActorSystem(system_name, transport=transport)
    except ValueError as error:
        raise CommandError(f"{error}; pass another --name", BAD_ARGUMENTS) from None
    # Caught from before the metrics URL is printed: whoever read that line may signal at once.
    with interrupts() as signalled:
        async with made as system:
            try:
                await _serve(system, host, port, nats)
                await _run(system, signalled, started, duration)
                totals = _totals(system)
            finally:  # however the run ended, a signal now stops waiting for the shutdown
                signalled.shutting_down = True
    _say(
        f"summary: {totals['processed']:,} messages, {totals['asks']:,} asks, "
        f"{totals['tasks']:,} tasks done, {totals['restarts']} restarts healed, "
        f"{totals['dead']} dead letters, {time.monotonic() - started:.1f}s"
    )
    return 0


async def _serve(system: ActorSystem, host: str, port: int | None, nats: str | None) -> None:
    """The metrics endpoint unless `--no-http`, then the actors."""
    if port is not None:
        try:
            server = await system.serve_http(host=host, port=port)
        except (OSError, ValueError) as error:  # TimeoutError is an OSError
            from ._http import FREE_PORT

            said = error.strerror if isinstance(error, OSError) else None
            said = (said or str(error)).replace(FREE_PORT, "--port 0")
            # A host that is no address is the command line's; a busy port is not.
            status = FAILED if isinstance(error, OSError) else BAD_ARGUMENTS
            raise CommandError(f"{said} (set by --host and --port)", status) from None
        _say(f"metrics: {server.url}/metrics{_everywhere(server.host)}  (also /healthz, "
             f"/actors; watch with: python -m actorkit top {server.url})")  # fmt: skip
    await _spawn_actors(system, nats)
    _say("actorkit demo running: Ctrl-C stops it")


def _everywhere(host: str) -> str:
    """What the URL printed for a host on every interface leaves out: it names loopback."""
    return "" if reached_at(host) == host else f", listening on all interfaces ({host})"


async def _spawn_actors(system: ActorSystem, nats: str | None) -> None:
    team = [
        ChildSpec(FlakyTranslator, name="flaky"),
        ChildSpec(Renderer, name="renderer"),
    ]
    await system.spawn(Supervisor, team, OneForOne(max_restarts=100, within=1.0), name="team")
    translators = await system.spawn_pool(Translator, size=3, name="translators")
    if nats:
        system.expose(translators, group=GROUP)
        await system.spawn(Courier, name="courier")
        from ._nats._options import unsecret  # loaded: the transport was built from it

        where = unsecret(nats)  # a password in the URL stays off the terminal and its logs
        _say(f"cluster node {system.name} on {where}: /translators serves group {GROUP!r}")
    await system.spawn(Auditor, name="auditor")
    await system.spawn(Driver, name="driver")


async def _run(
    system: ActorSystem,
    signalled: Interrupts,
    started: float,
    duration: float | None,
) -> None:
    """Print the status line every second until the duration, SIGINT, SIGTERM or the
    reader's going."""
    failed: list[CommandError] = []
    async with anyio.create_task_group() as group:

        async def stop_on_signal() -> None:
            await signalled.received.wait()
            group.cancel_scope.cancel()

        async def report() -> None:
            try:
                await _status(system, started)
            except CommandError as error:  # raised out of the group, not in a group of its own
                failed.append(error)
            group.cancel_scope.cancel()

        group.start_soon(stop_on_signal)
        group.start_soon(report)
        if duration is not None:
            group.cancel_scope.deadline = anyio.current_time() + duration
    if failed:
        raise failed[0]


class _OneLine(logging.Formatter):
    """Crash reports as one line each: the demo shows healing, not tracebacks."""

    def formatException(self, ei: object) -> str:
        return ""


def run_demo(
    duration: float | None,
    host: str,
    port: int | None,
    nats: str | None = None,
    name: str | None = None,
) -> int:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(_OneLine("  %(levelname)s %(message)s"))
    logger = logging.getLogger("actorkit")
    logger.addHandler(handler)
    try:
        with contextlib.suppress(KeyboardInterrupt):
            return run(_demo(duration, host, port, nats, name))
        return 0
    except _ReaderGone:
        return 0
    except CommandError as error:
        return fail("demo", str(error), error.status)
    except (ConnectionError, NameTaken) as error:  # --nats: the cluster refused
        return fail("demo", str(error))
    finally:
        logger.removeHandler(handler)
