"""Cost of `TopicIndex.match` per publish on a realistically loaded index.

The index must not make publish cost grow with the number of subscriptions, so each figure
is reported against the same operation on an index holding one exact subscription:

- cache_hit: a topic published repeatedly (the cached path, one dict lookup).
- cache_miss: every publish a topic not seen before (validation, exact lookup, trie walk).

Usage: python benchmarks/topic_match.py [--quick]   (one JSON line per figure)
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

try:
    from actorkit._topics import DEFAULT_CACHE_SIZE, TopicIndex
except ImportError:  # run from a checkout without `pip install -e .`
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from actorkit._topics import DEFAULT_CACHE_SIZE, TopicIndex

SERVICES, REGIONS, EVENTS = 100, 10, 200
PATTERNS = 1_000
SUBSCRIPTIONS = 10_000
SUBSCRIBERS = 2_000


def make_patterns(rng: random.Random) -> list[str]:
    """600 exact, 250 `*` and 150 `>` patterns over services.regions.events."""

    def exact() -> str:
        s, r, e = rng.randrange(SERVICES), rng.randrange(REGIONS), rng.randrange(EVENTS)
        return f"s{s}.r{r}.e{e}"

    def star() -> str:
        s, r, e = rng.randrange(SERVICES), rng.randrange(REGIONS), rng.randrange(EVENTS)
        return rng.choice([f"s{s}.*.e{e}", f"s{s}.r{r}.*", f"*.r{r}.e{e}"])

    def tail() -> str:
        s, r = rng.randrange(SERVICES), rng.randrange(REGIONS)
        return rng.choice([f"s{s}.>", f"s{s}.r{r}.>"])

    chosen: dict[str, None] = {}
    for make, count in ((exact, 600), (star, 250), (tail, 150)):
        target = len(chosen) + count
        while len(chosen) < target:
            chosen[make()] = None
    return list(chosen)


def loaded_index(rng: random.Random) -> TopicIndex[int]:
    patterns = make_patterns(rng)
    index: TopicIndex[int] = TopicIndex()
    for i in range(SUBSCRIPTIONS):
        # Every pattern gets subscribers; redraw on a repeated pair to reach the full count.
        while not index.add(patterns[i % PATTERNS], rng.randrange(SUBSCRIBERS)):
            pass
    assert len(index) == SUBSCRIPTIONS
    return index


def best_ns_per_call(run: Callable[[], int], repeats: int) -> float:
    """The fastest of `repeats` runs, per call; `run` returns how many calls it made."""
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter_ns()
        calls = run()
        best = min(best, (time.perf_counter_ns() - start) / calls)
    return best


def hits(index: TopicIndex[int], topic: str, calls: int) -> Callable[[], int]:
    match = index.match

    def run() -> int:
        for _ in range(calls):
            match(topic)
        return calls

    return run


def misses(index: TopicIndex[int], topics: Sequence[str]) -> Callable[[], int]:
    # More unique topics than the cache holds, so a repeat run finds none of them cached.
    assert len(topics) > 2 * DEFAULT_CACHE_SIZE
    match = index.match

    def run() -> int:
        for topic in topics:
            match(topic)
        return len(topics)

    return run


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer iterations, for CI")
    args = parser.parse_args(argv)
    hit_calls, repeats = (100_000, 3) if args.quick else (1_000_000, 7)
    unique = 20_000 if args.quick else 200_000

    rng = random.Random(20240601)
    index = loaded_index(rng)
    hot = "s1.r1.e1"
    baseline: TopicIndex[int] = TopicIndex()
    baseline.add(hot, 0)
    index.match(hot)
    baseline.match(hot)
    topics = [
        f"s{s}.r{r}.e{e}" for s in range(SERVICES) for r in range(REGIONS) for e in range(EVENTS)
    ]
    rng.shuffle(topics)
    topics = topics[:unique]

    figures = {
        "cache_hit": (hits(index, hot, hit_calls), hits(baseline, hot, hit_calls)),
        "cache_miss": (misses(index, topics), misses(baseline, topics)),
    }
    for case, (loaded, single) in figures.items():
        ns = best_ns_per_call(loaded, repeats)
        base = best_ns_per_call(single, repeats)
        line = {
            "bench": "topic_match",
            "case": case,
            "ns_per_match": round(ns, 1),
            "baseline_ns": round(base, 1),
            "ratio": round(ns / base, 2),
        }
        print(json.dumps(line), flush=True)


if __name__ == "__main__":
    main()
