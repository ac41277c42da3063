"""`python -m actorkit demo`: a live, supervised system you can watch heal itself.

A supervisor runs a few workers and a flaky worker that crashes now and then; a driver fires
work at them on a periodic timer with tells and asks. Every second one status line shows the
traffic, restarts and dead letters; at the end a summary. Ctrl-C stops it cleanly.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import signal
import time
from typing import Any

from ._actor import Actor
from ._errors import ActorError
from ._runner import run
from ._supervision import OneForOne
from ._supervisor import ChildSpec, Supervisor
from ._system import ActorSystem


class Squarer(Actor):
    async def receive(self, message: Any) -> Any:
        return message * message


class Flaky(Actor):
    """Fails on about one message in five hundred, to show supervision at work."""

    async def receive(self, message: Any) -> Any:
        if random.random() < 0.002:
            raise RuntimeError("flaky worker tripped (on purpose)")
        return -message


class Driver(Actor):
    """Sends a burst of work on every tick and checks a sample of answers with asks."""

    def __init__(self, workers: list[str]) -> None:
        self.workers = workers
        self.asks_ok = 0
        self.asks_failed = 0

    async def on_start(self) -> None:
        self.timers.start_every("tick", "tick", 0.05)

    async def receive(self, message: Any) -> Any:
        if message == "stats":
            return self.asks_ok, self.asks_failed
        for path in self.workers:
            worker = self.system.lookup(path)
            if worker is None:
                continue
            for n in range(50):
                with contextlib.suppress(ActorError):
                    worker.tell(n)
            try:
                await worker.ask(7, timeout=1.0)
                self.asks_ok += 1
            except (ActorError, RuntimeError):
                self.asks_failed += 1
        return None


def _totals(system: ActorSystem) -> tuple[int, int, int, int]:
    cells = system.cells()
    return (
        sum(c.processed for c in cells),
        sum(c.restarts for c in cells),
        sum(len(c.mailbox) for c in cells),
        system.dead_letters.count,
    )


async def _demo(duration: float | None) -> int:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    names = ["w1", "w2", "w3"]
    children = [ChildSpec(Squarer, name=n) for n in names] + [ChildSpec(Flaky, name="flaky")]
    started = time.monotonic()
    async with ActorSystem("demo") as system:
        await system.spawn(
            Supervisor, children, OneForOne(max_restarts=1000, within=1.0), name="workers"
        )
        driver = await system.spawn(Driver, [f"/workers/{n}" for n in [*names, "flaky"]])
        print("actorkit demo: supervisor /workers with 3 workers and a flaky one; Ctrl-C stops")
        last_processed = 0
        while not stop.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), 1.0)
            elapsed = time.monotonic() - started
            processed, restarts, depth, dead = _totals(system)
            asks_ok, asks_failed = await driver.ask("stats")
            print(
                f"[{elapsed:5.1f}s] msgs/s {processed - last_processed:>8,}  "
                f"asks ok {asks_ok:>5} failed {asks_failed:>3}  restarts {restarts:>3}  "
                f"dead letters {dead:>4}  mailbox depth {depth:>4}",
                flush=True,
            )
            last_processed = processed
            if duration is not None and elapsed >= duration:
                break
        processed, restarts, _, dead = _totals(system)
    print(
        f"summary: {processed:,} messages handled, {restarts} restarts healed, "
        f"{dead} dead letters, ran {time.monotonic() - started:.1f}s"
    )
    return 0


class _OneLine(logging.Formatter):
    """Crash reports as one line each: the demo shows healing, not tracebacks."""

    def formatException(self, ei: object) -> str:
        return ""


def run_demo(duration: float | None) -> int:
    handler = logging.StreamHandler()
    handler.setFormatter(_OneLine("  %(levelname)s %(message)s"))
    logger = logging.getLogger("actorkit")
    logger.addHandler(handler)
    try:
        return run(_demo(duration))
    finally:
        logger.removeHandler(handler)
