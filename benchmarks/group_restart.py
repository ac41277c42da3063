"""A group restart: n children under one `one_for_all` supervisor, the first failing
`FAILURES` times, timed until it answers again after each failure and the last child answers
at the end; microseconds per failure.

Two kinds of children: `Plain` ones (a `receive` only, the common worker), and `Starting`
ones, whose `on_start` yields once (as the outside sweep's reproducer had them), which must
run in the child's own task. The baseline is the hand-written equivalent: a task per child on
its own queue, which reports a failure to a supervisor task that cancels every child's task in
reverse start order, awaits each, and makes a fresh instance and task for each in start order
(awaiting its `on_start` first, for `Starting`). Crash reports are silenced on the actorkit
side (one traceback per failure is the logging's cost, not the restart's).

The targets: a `Plain` child's restart needs nothing of its task (`_restart_steps`), so the
group costs no more than the baseline's, whose every cancellation is a round trip; a
`Starting` child's `on_start` runs in its task, a round trip per child on both sides.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from typing import Any

from actorkit import Actor, ActorSystem, ChildSpec, OneForAll, Supervisor

from ._harness import Bench, Figures, Metric

FAILURES = 20
STRATEGY = OneForAll(max_restarts=10**6, within=1.0)


class Plain(Actor):
    async def receive(self, message: Any) -> Any:
        if message == "boom":
            raise ValueError("fails on purpose")
        return message


class Starting(Plain):
    async def on_start(self) -> None:
        await asyncio.sleep(0)


async def _failures(system: ActorSystem, n: int) -> float:
    """Seconds per failure of the first child, each until it answers again."""
    first = system.lookup("/sup/c0")
    assert first is not None
    began = time.perf_counter()
    for _ in range(FAILURES):
        with contextlib.suppress(ValueError):
            await first.ask("boom", timeout=60.0)
        assert await first.ask("ping", timeout=60.0) == "ping"
    last = system.lookup(f"/sup/c{n - 1}")
    assert last is not None
    assert await last.ask("ping", timeout=60.0) == "ping"
    return (time.perf_counter() - began) / FAILURES


async def group_restart(n: int) -> Figures:
    quiet = logging.getLogger("actorkit")
    level = quiet.level
    quiet.setLevel(logging.CRITICAL)
    figures: Figures = {}
    try:
        for key, kind in (("plain", Plain), ("on_start", Starting)):
            async with ActorSystem("bench") as system:
                specs = [ChildSpec(kind, name=f"c{i}") for i in range(n)]
                await system.spawn(Supervisor, specs, STRATEGY, name="sup")
                figures[key] = await _failures(system, n) * 1e6
                assert system.dead_letters.count == 0, system.dead_letters.by_reason
    finally:
        quiet.setLevel(level)
    return figures


Job = tuple[object, "asyncio.Future[Any]"]


class Child:
    """The baseline's child: a queue and the task consuming it, made again at each restart."""

    def __init__(self, supervisor: Hand, starting: bool) -> None:
        self.supervisor = supervisor
        self.starting = starting
        self.queue: asyncio.Queue[Job] = asyncio.Queue()
        self.task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        if self.starting:
            await asyncio.sleep(0)
        self.task = asyncio.get_running_loop().create_task(self.run())

    async def run(self) -> None:
        while True:
            message, reply = await self.queue.get()
            if message == "boom":
                reply.set_exception(ValueError("fails on purpose"))
                self.supervisor.failed.put_nowait(self)
                await asyncio.Event().wait()  # suspended until its supervisor cancels it
            reply.set_result(message)

    async def ask(self, message: object) -> Any:
        reply: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self.queue.put_nowait((message, reply))
        return await reply


class Hand:
    """The hand-written one_for_all supervisor."""

    def __init__(self, n: int, starting: bool) -> None:
        self.children = [Child(self, starting) for _ in range(n)]
        self.failed: asyncio.Queue[Child] = asyncio.Queue()

    async def supervise(self) -> None:
        while True:
            await self.failed.get()
            for child in reversed(self.children):
                assert child.task is not None
                child.task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await child.task
            for child in self.children:
                await child.start()


async def _hand_failures(n: int, starting: bool) -> float:
    hand = Hand(n, starting)
    for child in hand.children:
        await child.start()
    supervisor = asyncio.get_running_loop().create_task(hand.supervise())
    first = hand.children[0]
    began = time.perf_counter()
    for _ in range(FAILURES):
        with contextlib.suppress(ValueError):
            await first.ask("boom")
        assert await first.ask("ping") == "ping"
    assert await hand.children[-1].ask("ping") == "ping"
    seconds = (time.perf_counter() - began) / FAILURES
    tasks = [supervisor, *(child.task for child in hand.children if child.task is not None)]
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    return seconds


async def raw_group_restart(n: int) -> Figures:
    return {
        "plain": await _hand_failures(n, starting=False) * 1e6,
        "on_start": await _hand_failures(n, starting=True) * 1e6,
    }


BENCHES = [
    Bench(
        "group_restart",
        group_restart,
        raw_group_restart,
        (
            Metric("plain", "us/failure", higher_is_better=False, target=1.0),
            Metric("on_start", "us/failure", higher_is_better=False, target=2.0),
        ),
        size=100,
        quick_size=100,
        min_runs=3,
        per_n=FAILURES,
    ),
]
