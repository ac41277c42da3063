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
from typing import Any

from ._harness import Figures, Stopwatch, Traced, medians, percentiles_us
from ._libraries import Count, Echo, Library, Pykka, Thespian
from .savina._pykka import compare_savina

SUBSCRIBERS = 100


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
