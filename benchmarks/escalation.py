"""An escalation 5 deep: a leaf fails under three supervisors that each escalate (`decider`
"escalate"), below a top one that restarts; microseconds per failure, from the ask that
fails to the first answer of the leaf started again.

Per failure: four crash reports (one per supervisor that decides, as OTP writes one per
level), three escalations, each stopping the child that failed (the leaf, then each
emptied supervisor), and the top's restart of the highest one, whose `on_start` spawns the
chain again down to a new leaf. Crash reports are made but not logged on the actorkit side
(one traceback per level is the logging's cost, not the supervision's).

The baseline is the hand-written equivalent, nested try/except supervisors over tasks: each
level is a task that starts its child's task and awaits it, re-raising its failure (an
escalation); the top catches it and starts the chain again. The leaf is a task consuming its
queue, whose failure ends it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from typing import Any

from actorkit import Actor, ActorRef, ActorSystem, ChildSpec, OneForOne, Supervisor

from ._harness import Bench, Figures, Metric

FAILURES = 200
DEPTH = 5
"""Levels: the top supervisor, three that escalate, the leaf."""
ESCALATE = OneForOne(decider=lambda _: "escalate")
TOP = OneForOne(max_restarts=10**6, within=1.0)


class Births:
    """Where each new leaf says it is there: the benchmark awaits `born` per failure."""

    def __init__(self) -> None:
        self.born: asyncio.Future[Any] = asyncio.get_running_loop().create_future()

    def next(self) -> asyncio.Future[Any]:
        self.born = asyncio.get_running_loop().create_future()
        return self.born


class Leaf(Actor):
    def __init__(self, births: Births) -> None:
        births.born.set_result(self.ref)

    async def receive(self, message: Any) -> Any:
        if message == "boom":
            raise ValueError("fails on purpose")
        return message


def chain(births: Births) -> ChildSpec:
    """The highest escalating supervisor's spec, the chain below it to the leaf."""
    spec = ChildSpec(Leaf, births, name="leaf")
    for level in range(DEPTH - 2, 0, -1):
        spec = ChildSpec(Supervisor, [spec], ESCALATE, name=f"m{level}")
    return spec


async def escalation(n: int) -> Figures:
    quiet = logging.getLogger("actorkit")
    level = quiet.level
    quiet.setLevel(logging.CRITICAL)
    try:
        async with ActorSystem("bench") as system:
            births = Births()
            await system.spawn(Supervisor, [chain(births)], TOP, name="top")
            leaf: ActorRef = births.born.result()
            began = time.perf_counter()
            for _ in range(n):
                born = births.next()
                with contextlib.suppress(ValueError):
                    await leaf.ask("boom", timeout=60.0)
                leaf = await born
                assert await leaf.ask("ping", timeout=60.0) == "ping"
            seconds = (time.perf_counter() - began) / n
            top = system.lookup("/top")
            assert top is not None
            assert top.is_alive
    finally:
        quiet.setLevel(level)
    return {"failure": seconds * 1e6}


Job = tuple[object, "asyncio.Future[Any]"]


async def _leaf(births: Births) -> None:
    queue: asyncio.Queue[Job] = asyncio.Queue()
    births.born.set_result(queue)
    while True:
        message, reply = await queue.get()
        if message == "boom":
            error = ValueError("fails on purpose")
            reply.set_exception(error)
            raise error
        reply.set_result(message)


async def _level(depth: int, births: Births) -> None:
    """An escalating supervisor: its child's failure is its own."""
    loop = asyncio.get_running_loop()
    child = loop.create_task(_leaf(births) if depth == 1 else _level(depth - 1, births))
    await child


async def _top(births: Births, failures: list[BaseException]) -> None:
    """The supervisor that restarts: the chain starts again after each failure."""
    loop = asyncio.get_running_loop()
    while True:
        try:
            await loop.create_task(_level(DEPTH - 2, births))
        except Exception as error:
            failures.append(error)


async def _ask(queue: asyncio.Queue[Job], message: object) -> Any:
    reply: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
    queue.put_nowait((message, reply))
    return await reply


async def raw_escalation(n: int) -> Figures:
    births = Births()
    failures: list[BaseException] = []
    top = asyncio.get_running_loop().create_task(_top(births, failures))
    queue = await births.born
    began = time.perf_counter()
    for _ in range(n):
        born = births.next()
        with contextlib.suppress(ValueError):
            await _ask(queue, "boom")
        queue = await born
        assert await _ask(queue, "ping") == "ping"
    seconds = (time.perf_counter() - began) / n
    top.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await top
    assert len(failures) == n
    return {"failure": seconds * 1e6}


BENCHES = [
    Bench(
        "escalation",
        escalation,
        raw_escalation,
        (Metric("failure", "us/failure", higher_is_better=False),),
        size=FAILURES,
        quick_size=FAILURES,
        min_runs=3,
    ),
]
