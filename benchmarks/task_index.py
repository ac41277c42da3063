"""Micro-benchmark: PendingTasks push-all-then-drain against a bare heapq queue.

The baseline does no capability matching, so `ratio` is the price of matching idle agents
to tasks they can serve. Run: python benchmarks/task_index.py [--quick]
"""

from __future__ import annotations

import argparse
import heapq
import json
import random
import sys
import time
from pathlib import Path

# Runnable as a plain script from a checkout that has not been pip-installed.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from actorkit._tasks._index import PendingTasks

MIXES: list[frozenset[str]] = [
    frozenset(),
    frozenset({"en"}),
    frozenset({"gpu"}),
    frozenset({"gpu", "en"}),
    frozenset({"gpu", "en", "fr"}),
]
CAPABILITY_POOL = ["gpu", "en", "fr", "de", "ssd"]
AGENTS = 100


def make_workload(n: int, rng: random.Random) -> list[tuple[int, frozenset[str], int]]:
    return [(i, rng.choice(MIXES), rng.randrange(10)) for i in range(n)]


def make_agents(rng: random.Random) -> list[frozenset[str]]:
    """Random capability sets, plus one agent able to serve every mix so the index drains."""
    agents = [frozenset(rng.sample(CAPABILITY_POOL, rng.randrange(4))) for _ in range(AGENTS - 1)]
    return [*agents, frozenset(CAPABILITY_POOL)]


def run_index(
    work: list[tuple[int, frozenset[str], int]], agents: list[frozenset[str]]
) -> tuple[float, float]:
    """Seconds to push everything, and to drain it with agents taking turns."""
    index: PendingTasks[int] = PendingTasks()
    start = time.perf_counter()
    for item, requires, priority in work:
        index.push(item, requires, priority)
    pushed = time.perf_counter()
    pop_for = index.pop_for
    while index:
        for capabilities in agents:
            pop_for(capabilities)
    return pushed - start, time.perf_counter() - pushed


def run_baseline(work: list[tuple[int, frozenset[str], int]]) -> tuple[float, float]:
    heap: list[tuple[int, int, int]] = []
    start = time.perf_counter()
    for seq, (item, _, priority) in enumerate(work):
        heapq.heappush(heap, (-priority, seq, item))
    pushed = time.perf_counter()
    while heap:
        heapq.heappop(heap)
    return pushed - start, time.perf_counter() - pushed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="10k items, one round")
    args = parser.parse_args()
    n, rounds = (10_000, 1) if args.quick else (100_000, 5)

    rng = random.Random(42)
    work = make_workload(n, rng)
    agents = make_agents(rng)
    index_runs = [run_index(work, agents) for _ in range(rounds)]
    base_runs = [run_baseline(work) for _ in range(rounds)]
    # Best of several rounds per phase: the least-disturbed run is closest to the true cost.
    index_push, index_pop = (min(phase) for phase in zip(*index_runs, strict=True))
    base_push, base_pop = (min(phase) for phase in zip(*base_runs, strict=True))

    for phase, seconds, base_seconds, ops in [
        ("push", index_push, base_push, n),
        ("pop", index_pop, base_pop, n),
        ("total", index_push + index_pop, base_push + base_pop, 2 * n),
    ]:
        rate, base_rate = ops / seconds, ops / base_seconds
        print(
            json.dumps(
                {
                    "bench": "task_index",
                    "phase": phase,
                    "items": n,
                    "ops_per_s": round(rate),
                    "baseline_ops_per_s": round(base_rate),
                    "ratio": round(rate / base_rate, 3),
                }
            )
        )


if __name__ == "__main__":
    main()
