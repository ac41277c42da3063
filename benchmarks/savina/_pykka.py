"""The Savina workloads Pykka can express, for `python -m benchmarks --compare`.

Pykka's threading actors are each a thread over a queue: ping-pong, counting and the thread
ring (at 100 actors: a thread per actor makes larger rings a test of the OS scheduler) are
written here with its tell and ask, and print one JSON line per figure in the format of
`compare`, with the harness's bench names, so they sit next to actorkit's figures.
"""

from __future__ import annotations

import importlib.metadata
import json
import sys
import threading
from collections.abc import Callable
from typing import Any

from .._harness import Figures, Stopwatch, medians
from ._common import check

TIMEOUT = 60.0
RING = 100


class Finished:
    """The end of a run, set from an actor's thread; `tell` like `Done`."""

    def __init__(self) -> None:
        self.event = threading.Event()
        self.value: Any = None

    def tell(self, value: Any) -> None:
        self.value = value
        self.event.set()

    def wait(self) -> Any:
        if not self.event.wait(TIMEOUT):
            raise TimeoutError("the workload did not finish")
        return self.value


def actors(pykka: Any) -> dict[str, Any]:
    """Pykka versions of the harness's actors, built once pykka is importable."""

    class Ponger(pykka.ThreadingActor):  # type: ignore[misc]
        def on_receive(self, message: Any) -> None:
            message.tell("pong")

    class Pinger(pykka.ThreadingActor):  # type: ignore[misc]
        def __init__(self, ponger: Any, n: int, done: Finished) -> None:
            super().__init__()
            self.ponger, self.left, self.pongs, self.done = ponger, n, 0, done

        def on_receive(self, message: Any) -> None:
            self.pongs += message == "pong"
            if self.left == 0:
                self.done.tell(self.pongs)
                return
            self.left -= 1
            self.ponger.tell(self.actor_ref)

    class Counter(pykka.ThreadingActor):  # type: ignore[misc]
        total = 0

        def on_receive(self, message: Any) -> int | None:
            if message == "get":
                return self.total
            self.total += message
            return None

    class Node(pykka.ThreadingActor):  # type: ignore[misc]
        def __init__(self, index: int, done: Finished) -> None:
            super().__init__()
            self.index, self.done, self.next = index, done, None

        def on_receive(self, message: Any) -> None:
            if type(message) is int:
                if message:
                    self.next.tell(message - 1)  # type: ignore[attr-defined]
                else:
                    self.done.tell(self.index)
            else:
                self.next = message

    return {"ponger": Ponger, "pinger": Pinger, "counter": Counter, "node": Node}


def pingpong(kinds: dict[str, Any], n: int) -> Figures:
    done = Finished()
    pinger = kinds["pinger"].start(kinds["ponger"].start(), n, done)
    with Stopwatch() as watch:
        pinger.tell("go")
        check(done.wait(), n)
    return {"rate": 2 * n / watch.seconds}


def counting(kinds: dict[str, Any], n: int) -> Figures:
    counter = kinds["counter"].start()
    with Stopwatch() as watch:
        for _ in range(n):
            counter.tell(1)
        check(counter.ask("get", timeout=TIMEOUT), n)
    return {"rate": n / watch.seconds}


def ring(kinds: dict[str, Any], n: int) -> Figures:
    done = Finished()
    nodes = [kinds["node"].start(index, done) for index in range(RING)]
    for node, after in zip(nodes, nodes[1:] + nodes[:1], strict=True):
        node.tell(after)
    with Stopwatch() as watch:
        nodes[0].tell(n)
        check(done.wait(), n % RING)
    return {"hops_100": n / watch.seconds}


Run = Callable[[dict[str, Any], int], Figures]
WORKLOADS: list[tuple[str, Run, str, str, int, int]] = [
    ("savina_pingpong", pingpong, "rate", "msgs/s", 20_000, 500),
    ("savina_counting", counting, "rate", "msgs/s", 200_000, 5_000),
    ("savina_ring", ring, "hops_100", "hops/s", 20_000, 500),
]


def compare_savina(*, quick: bool, runs: int) -> None:
    """Each workload `runs` times on Pykka (all actors stopped between runs), median."""
    try:
        import pykka
    except ImportError as error:
        print(f"skipped savina on pykka: not installed ({error})", file=sys.stderr)
        return
    kinds = actors(pykka)
    version = importlib.metadata.version("pykka")
    for bench, run, metric, unit, size, quick_size in WORKLOADS:
        n = quick_size if quick else size
        samples = []
        for _ in range(runs):
            try:
                samples.append(run(kinds, n))
            finally:
                pykka.ActorRegistry.stop_all()
        line = {"bench": bench, "impl": "pykka", "version": version, "metric": metric}
        value = float(f"{medians(samples)[metric]:.4g}")
        print(json.dumps({**line, "value": value, "unit": unit, "n": n, "runs": runs}), flush=True)
