"""Message passing: tell, send with backpressure, ask round trips, tells to a stopped actor.

Each workload is written once against `Target` (tell / send / ask) and run against an actorkit
actor and against `RawActor`, the least a hand-written asyncio program would do: an
`asyncio.Queue` and a consumer task. Both sides call the very same handler (the actor class's
`receive`), so the difference is the runtime alone.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any, Protocol

from actorkit import DEFAULT_MAILBOX_SIZE, Actor, ActorSystem

from ._harness import Bench, Figures, Metric, Side, Stopwatch, percentiles_us

Handler = Callable[[Any], Awaitable[Any]]


class Counter(Actor):
    def __init__(self) -> None:
        self.count = 0

    async def receive(self, message: int) -> int:
        self.count += message
        return self.count


class Echo(Actor):
    async def receive(self, message: object) -> object:
        return message


class Target(Protocol):
    def tell(self, message: Any, /) -> None: ...
    def send(self, message: Any, /) -> Awaitable[None]: ...
    def ask(self, message: Any, timeout: float = ...) -> Awaitable[Any]: ...


# --- the raw asyncio baseline --------------------------------------------------------------
class Request:
    """What a raw ask puts on the queue: the message and the future to resolve."""

    __slots__ = ("future", "message")

    def __init__(self, message: object, future: asyncio.Future[Any]) -> None:
        self.message = message
        self.future = future


async def consume(queue: asyncio.Queue[Any], handle: Handler) -> None:
    """A consumer task: one message at a time, in order; a request gets the handler's result."""
    get = queue.get
    while True:
        message = await get()
        if type(message) is Request:
            result = await handle(message.message)
            if not message.future.done():
                message.future.set_result(result)
        else:
            await handle(message)


class RawActor:
    """`asyncio.Queue` + consumer task. `tell` and `send` ARE `put_nowait` and `put`."""

    def __init__(self, handle: Handler, maxsize: int = 0) -> None:
        self.queue: asyncio.Queue[Any] = asyncio.Queue(maxsize)
        self.tell = self.queue.put_nowait
        self.send = self.queue.put
        self.task = asyncio.get_running_loop().create_task(consume(self.queue, handle))

    async def ask(self, message: object, timeout: float = 5.0) -> Any:
        """No timeout: the baseline is the bare round trip."""
        queue = self.queue
        future = asyncio.get_running_loop().create_future()
        if queue.full():
            await queue.put(Request(message, future))
        else:
            queue.put_nowait(Request(message, future))
        return await future

    async def close(self) -> None:
        self.task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self.task


Opener = Callable[[type[Actor], int | None], contextlib.AbstractAsyncContextManager[Target]]


def spawner(metrics: bool) -> Opener:
    """Opens one actor in a fresh `ActorSystem(metrics=metrics)`."""

    @contextlib.asynccontextmanager
    async def spawned(factory: type[Actor], mailbox_size: int | None) -> AsyncIterator[Target]:
        async with ActorSystem("bench", metrics=metrics) as system:
            yield await system.spawn(factory, mailbox_size=mailbox_size)

    return spawned


spawned = spawner(metrics=True)
"""The actorkit side everywhere: `ActorSystem()` defaults, so metrics are on."""


@contextlib.asynccontextmanager
async def raw(factory: type[Actor], maxsize: int | None) -> AsyncIterator[Target]:
    target = RawActor(factory().receive, maxsize or 0)
    try:
        yield target
    finally:
        await target.close()


Workload = Callable[[Target, int], Awaitable[Figures]]


def side(workload: Workload, opener: Opener, factory: type[Actor], size: int | None) -> Side:
    async def run(n: int) -> Figures:
        async with opener(factory, size) as target:
            return await workload(target, n)

    return run


def both(workload: Workload, factory: type[Actor], size: int | None) -> tuple[Side, Side]:
    return side(workload, spawned, factory, size), side(workload, raw, factory, size)


# --- workloads -----------------------------------------------------------------------------
def check(got: object, expected: object) -> None:
    if got != expected:
        raise AssertionError(f"wrong result: got {got!r}, expected {expected!r}")


async def tell(target: Target, n: int) -> Figures:
    """n tells in a loop, then one ask behind them: answered once all n are handled."""
    tell = target.tell
    with Stopwatch() as watch:
        for i in range(n):
            tell(i)
        total = await target.ask(0, timeout=60.0)
    check(total, n * (n - 1) // 2)
    return {"rate": n / watch.seconds}


async def send(target: Target, n: int) -> Figures:
    """n awaited sends into a bounded mailbox: the producer waits whenever it is full."""
    send = target.send
    with Stopwatch() as watch:
        for i in range(n):
            await send(i)
        total = await target.ask(0, timeout=60.0)
    check(total, n * (n - 1) // 2)
    return {"rate": n / watch.seconds}


async def ask(target: Target, n: int) -> Figures:
    """n sequential round trips; the rate over all of them and per-ask latency."""
    ask = target.ask
    clock = time.perf_counter
    latencies: list[float] = []
    with Stopwatch() as watch:
        for i in range(n):
            start = clock()
            answer = await ask(i, timeout=5.0)
            latencies.append(clock() - start)
            if answer != i:
                check(answer, i)
    return {"rate": n / watch.seconds, **percentiles_us(latencies)}


def tell_then_ask(opener: Opener) -> Side:
    """`tell` (n messages) and `ask` (n / 10 round trips), each on a fresh actor."""

    async def run(n: int) -> Figures:
        async with opener(Counter, None) as counter:
            told = await tell(counter, n)
        async with opener(Echo, DEFAULT_MAILBOX_SIZE) as echo:
            asked = await ask(echo, max(n // 10, 100))
        return {"tell": told["rate"], "ask": asked["rate"]}

    return run


async def dead_letters(n: int) -> Figures:
    """n tells to a stopped actor, each a dead letter `stopped`: counted, the last 1,000 kept."""
    async with ActorSystem("bench") as system:
        gone = await system.spawn(Counter)
        await gone.stop()
        letters = system.dead_letters
        tell = gone.tell
        with Stopwatch() as watch:
            for i in range(n):
                tell(i)
                if i % 10_000 == 9_999:  # a producer that yields now and then
                    await asyncio.sleep(0)
        check((letters.count, len(letters.recent)), (n, min(n, 1000)))
    return {"rate": n / watch.seconds}


class StoppedRaw:
    """What a hand-written runtime does with a tell to a stopped actor: a count by reason and
    a bounded ring of (message, recipient, reason, time) records."""

    def __init__(self) -> None:
        self.closed = True
        self.by_reason: dict[str, int] = {}
        self.recent: deque[tuple[object, str, str, float]] = deque(maxlen=1000)
        self.time = asyncio.get_running_loop().time

    def tell(self, message: object) -> None:
        if self.closed:
            self.by_reason["stopped"] = self.by_reason.get("stopped", 0) + 1
            self.recent.append((message, "/gone", "stopped", self.time()))


async def raw_dead_letters(n: int) -> Figures:
    gone = StoppedRaw()
    tell = gone.tell
    with Stopwatch() as watch:
        for i in range(n):
            tell(i)
            if i % 10_000 == 9_999:
                await asyncio.sleep(0)
    check((gone.by_reason["stopped"], len(gone.recent)), (n, min(n, 1000)))
    return {"rate": n / watch.seconds}


BENCHES = [
    Bench(
        "tell",
        *both(tell, Counter, None),
        (Metric("rate", "msgs/s", target=2.0),),
        size=200_000,
        quick_size=20_000,
    ),
    Bench(
        "send_bounded",
        *both(send, Counter, 1000),
        (Metric("rate", "msgs/s", target=2.0),),
        size=200_000,
        quick_size=20_000,
    ),
    Bench(
        "ask",
        *both(ask, Echo, DEFAULT_MAILBOX_SIZE),
        (
            Metric("rate", "asks/s", target=1.0),
            Metric("p50", "us", higher_is_better=False),
            Metric("p99", "us", higher_is_better=False, target=1.5),
        ),
        size=20_000,
        quick_size=2_000,
    ),
    Bench(
        "metrics_overhead",
        tell_then_ask(spawner(metrics=True)),
        tell_then_ask(spawner(metrics=False)),
        (Metric("tell", "msgs/s", target=0.95), Metric("ask", "asks/s", target=0.95)),
        size=200_000,
        quick_size=20_000,
        baseline_is="actorkit metrics=False",
        min_runs=7,  # the ask ratio sits about one point above its floor: see RESULTS.md
    ),
    Bench(
        "dead_letters",
        dead_letters,
        raw_dead_letters,
        (Metric("rate", "dead letters/s"),),
        size=1_000_000,
        quick_size=100_000,
    ),
]
