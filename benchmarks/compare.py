"""`python -m benchmarks --compare`: the same workload shapes on Pykka and Thespian.

Installs nothing: each library runs when it is importable (`pip install -e '.[bench]'`) and is
skipped with a message on stderr otherwise. Each workload is written once against `Library`,
and both libraries' actors call the same plain handlers, so the difference is the runtime:

- tell: n ints to one counting actor, then one ask behind them (msgs/s);
- ask: n sequential round trips to an echo actor (asks/s, p50 and p99 in µs);
- publish: fan-out to 100 subscribers, deliveries/s. Neither library has topic pub-sub:
  Pykka's nearest is `ActorRegistry.broadcast(message, target_class)`, Thespian's a loop of
  tells to the subscribers' addresses (each line says which under "how");
- spawn: n idle actors, actors/s, and KiB per actor (tracemalloc in its own pass, so Pykka's
  thread stacks, which are not Python allocations, are not counted).

Pykka runs its threading actors; Thespian its `simpleSystemBase`, which handles every message
synchronously inside the caller's `tell`/`ask`. Output: one JSON line per figure with
`"impl"`, the same `bench`, `metric` and `unit` names as the harness, so `benchmarks.chart` can
put them next to actorkit and raw asyncio. The Savina workloads Pykka can express (ping-pong,
counting, the thread ring at 100 actors) follow, from `savina._pykka`.
"""

from __future__ import annotations

import importlib
import importlib.metadata
import json
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Protocol

from ._harness import Figures, Stopwatch, Traced, medians, percentiles_us
from .savina._pykka import compare_savina

SUBSCRIBERS = 100
TIMEOUT = 60.0


# --- the handlers both libraries' actors call ----------------------------------------------
class Count:
    """Adds each int it is told; answers an ask with the running total."""

    def __init__(self) -> None:
        self.total = 0

    def tell(self, message: Any) -> None:
        self.total += message

    def ask(self, message: Any) -> int:
        self.total += message
        return self.total


class Echo:
    def tell(self, message: object) -> None:
        pass

    def ask(self, message: object) -> object:
        return message


Handler = Count | Echo
Ref = Any


class Library(Protocol):
    name: str
    how_publish: str

    def start(self) -> None: ...
    def stop(self) -> None: ...
    def spawn(self, handler: Callable[[], Handler] | None) -> Ref:
        """An actor running `handler()`, or an idle one for None."""
        ...

    def tell(self, ref: Ref, message: Any) -> None: ...
    def ask(self, ref: Ref, message: Any) -> Any: ...
    def subscribers(self, count: int) -> tuple[list[Ref], Callable[[Any], None]]:
        """`count` counting actors and a function that delivers a message to all of them."""
        ...


# --- Pykka ---------------------------------------------------------------------------------
class Pykka:
    name = "pykka"
    how_publish = "ActorRegistry.broadcast(message, target_class)"

    def __init__(self) -> None:
        import pykka

        self.pykka = pykka

        class Handled(pykka.ThreadingActor):
            def __init__(self, handler: Handler) -> None:
                super().__init__()
                self.handler = handler

            def on_receive(self, message: Any) -> Any:
                if type(message) is Request:
                    return self.handler.ask(message.message)
                self.handler.tell(message)
                return None

        class Subscriber(Handled):
            """Its own class, so a broadcast reaches the subscribers only."""

        class Idle(pykka.ThreadingActor):
            pass

        self.handled = Handled
        self.subscriber = Subscriber
        self.idle = Idle

    def start(self) -> None:
        pass

    def stop(self) -> None:
        self.pykka.ActorRegistry.stop_all()

    def spawn(self, handler: Callable[[], Handler] | None) -> Ref:
        if handler is None:
            return self.idle.start()
        return self.handled.start(handler())

    def tell(self, ref: Ref, message: Any) -> None:
        ref.tell(message)

    def ask(self, ref: Ref, message: Any) -> Any:
        return ref.ask(Request(message), timeout=TIMEOUT)

    def subscribers(self, count: int) -> tuple[list[Ref], Callable[[Any], None]]:
        subscriber = self.subscriber
        refs = [subscriber.start(Count()) for _ in range(count)]
        broadcast = self.pykka.ActorRegistry.broadcast

        def publish(message: Any) -> None:
            broadcast(message, target_class=subscriber)

        return refs, publish


# --- Thespian ------------------------------------------------------------------------------
class Thespian:
    name = "thespian"
    how_publish = "a loop of ActorSystem.tell over the subscribers (no pub-sub in Thespian)"

    def __init__(self) -> None:
        # Thespian ships no type information: hold it as Any, on purpose.
        actors: Any = importlib.import_module("thespian.actors")
        self.actors = actors
        base: Any = actors.Actor
        self.system: Any = None
        self._handlers: list[Callable[[], Handler] | None] = []

        pending = self._handlers

        class Handled(base):  # type: ignore[misc]
            def __init__(self) -> None:
                super().__init__()
                make = pending.pop()
                self.handler = make() if make is not None else None

            def receiveMessage(self, message: Any, sender: Any) -> None:
                handler = self.handler
                if handler is None or isinstance(message, actors.ActorSystemMessage):
                    return
                if type(message) is Request:
                    self.send(sender, handler.ask(message.message))
                else:
                    handler.tell(message)

        self.handled = Handled

    def start(self) -> None:
        self.system = self.actors.ActorSystem("simpleSystemBase")

    def stop(self) -> None:
        self.system.shutdown()
        self.system = None

    def spawn(self, handler: Callable[[], Handler] | None) -> Ref:
        # simpleSystemBase builds the actor inside createActor, so the handler is handed
        # over through a stack instead of constructor arguments (which Thespian lacks).
        self._handlers.append(handler)
        return self.system.createActor(self.handled)

    def tell(self, ref: Ref, message: Any) -> None:
        self.system.tell(ref, message)

    def ask(self, ref: Ref, message: Any) -> Any:
        return self.system.ask(ref, Request(message), TIMEOUT)

    def subscribers(self, count: int) -> tuple[list[Ref], Callable[[Any], None]]:
        refs = [self.spawn(Count) for _ in range(count)]
        tell = self.system.tell

        def publish(message: Any) -> None:
            for ref in refs:
                tell(ref, message)

        return refs, publish


class Request:
    """An ask's message, so an actor knows to answer (Thespian has no separate ask)."""

    __slots__ = ("message",)

    def __init__(self, message: object) -> None:
        self.message = message


# --- workloads, written once ---------------------------------------------------------------
def check(got: object, expected: object) -> None:
    if got != expected:
        raise AssertionError(f"wrong result: got {got!r}, expected {expected!r}")


def tell(library: Library, n: int) -> Figures:
    counter = library.spawn(Count)
    tell = library.tell
    with Stopwatch() as watch:
        for i in range(n):
            tell(counter, i)
        total = library.ask(counter, 0)
    check(total, n * (n - 1) // 2)
    return {"rate": n / watch.seconds}


def ask(library: Library, n: int) -> Figures:
    echo = library.spawn(Echo)
    ask = library.ask
    clock = time.perf_counter
    latencies: list[float] = []
    with Stopwatch() as watch:
        for i in range(n):
            start = clock()
            answer = ask(echo, i)
            latencies.append(clock() - start)
            if answer != i:
                check(answer, i)
    return {"rate": n / watch.seconds, **percentiles_us(latencies)}


def publish(library: Library, n: int) -> Figures:
    refs, publish = library.subscribers(SUBSCRIBERS)
    with Stopwatch() as watch:
        for i in range(n):
            publish(i)
        totals = [library.ask(ref, 0) for ref in refs]
    check(totals, [n * (n - 1) // 2] * SUBSCRIBERS)
    return {"rate": n * SUBSCRIBERS / watch.seconds}


def spawn(library: Library, n: int) -> Figures:
    with Stopwatch() as watch:
        for _ in range(n):
            library.spawn(None)
    return {"rate": n / watch.seconds}


def spawn_memory(library: Library, n: int) -> Figures:
    with Traced() as traced:
        for _ in range(n):
            library.spawn(None)
    return {"memory": traced.bytes / n / 1024}


@dataclass(frozen=True)
class Workload:
    bench: str
    run: Callable[[Library, int], Figures]
    units: dict[str, str]
    size: int
    quick_size: int
    runs: int | None = None
    """Cap on runs (the memory pass runs once)."""


WORKLOADS = [
    Workload("tell", tell, {"rate": "msgs/s"}, 200_000, 20_000),
    Workload("ask", ask, {"rate": "asks/s", "p50": "us", "p99": "us"}, 20_000, 2_000),
    Workload("publish", publish, {"rate": "deliveries/s"}, 10_000, 200),
    Workload("spawn", spawn, {"rate": "actors/s"}, 10_000, 1_000),
    Workload("spawn", spawn_memory, {"memory": "KiB/actor"}, 10_000, 1_000, runs=1),
]

LIBRARIES: dict[str, tuple[str, Callable[[], Library]]] = {
    "pykka": ("pykka", Pykka),
    "thespian": ("thespian", Thespian),
}


@contextmanager
def started(library: Library) -> Iterator[None]:
    library.start()
    try:
        yield
    finally:
        library.stop()


def measure(library: Library, workload: Workload, n: int, runs: int) -> Figures:
    samples = []
    for _ in range(runs):
        with started(library):
            samples.append(workload.run(library, n))
    return medians(samples)


def compare(*, quick: bool, runs: int) -> int:
    """Every workload on every installed library; one JSON line per figure on stdout."""
    for name, (distribution, make) in LIBRARIES.items():
        try:
            library = make()
        except ImportError as error:
            print(
                f"skipped {name}: not installed ({error}); "
                "pip install -e '.[bench]' to compare with it",
                file=sys.stderr,
            )
            continue
        version = importlib.metadata.version(distribution)
        for workload in WORKLOADS:
            n = workload.quick_size if quick else workload.size
            runs_here = min(runs, workload.runs or runs)
            record: dict[str, Any] = {"bench": workload.bench, "impl": name, "version": version}
            try:
                figures = measure(library, workload, n, runs_here)
            except Exception as error:  # one library's failure must not hide the others
                print(
                    json.dumps({**record, "error": f"{type(error).__name__}: {error}"}),
                    flush=True,
                )
                continue
            for metric, unit in workload.units.items():
                line = {
                    **record,
                    "metric": metric,
                    "value": float(f"{figures[metric]:.4g}"),
                    "unit": unit,
                    "n": n,
                    "runs": runs_here,
                }
                if workload.bench == "publish":
                    line["how"] = library.how_publish
                print(json.dumps(line), flush=True)
    compare_savina(quick=quick, runs=runs)
    return 0
