"""How long `/actors` and `/metrics` hold the event loop, and how long each takes, by tree size.

    python benchmarks/http_tree.py [--sizes 10000 50000 200000] [--rounds 3] [--quick]

For each size a system is grown to that many idle actors (a hundred supervisors, the rest
spread under them), served by `serve_http`, and each endpoint is fetched `--rounds` times by
a client on a thread of its own (`http.client`: it waits in `recv`, off the GIL), while a
task on the loop does nothing but `await asyncio.sleep(0)`: the longest gap between two of its
turns is the longest the loop was held (`stall_ms`). `total_ms` is the request's time at the
client, from sending it to the body's last byte; `full_gcs` counts the full collections of
Python's garbage collector during the rounds (each a stall of its own). The baseline,
measured in the same process, is `json.dumps` of an equivalent plain tree of dicts (the same
fields, the same nesting): a floor for building one body in one go, so the ratios compare
across machines. One JSON line per size and endpoint on stdout (the median of the rounds;
stall_max_ms the worst).

The default sizes run in about a minute; `--quick` runs 10,000 actors only.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import http.client
import json
import statistics
import sys
import time
from typing import Any
from urllib.parse import urlsplit

SUPERVISORS = 100


def fetch(url: str) -> tuple[int, int]:
    """GET `url` on this (non-loop) thread: the status and the body's size."""
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=120)
    try:
        connection.request("GET", parts.path + (f"?{parts.query}" if parts.query else ""))
        response = connection.getresponse()
        size = 0
        while chunk := response.read(1 << 16):  # not one join of the body, under the GIL
            size += len(chunk)
        return response.status, size
    finally:
        connection.close()


def baseline_tree(n: int) -> list[dict[str, Any]]:
    """A plain tree shaped as the benchmark's: `SUPERVISORS` nodes, the rest under them."""

    def node(path: str, children: list[dict[str, Any]]) -> dict[str, Any]:
        return {
            "path": path, "name": path.rsplit("/", 1)[-1], "class": "Idle", "state": "running",
            "mailbox_size": 0, "processed": 1, "failures": 0, "restarts": 0, "accepted": 1,
            "crashed": 0, "dead_lettered": 0, "children_count": len(children),
            "children": children,
        }  # fmt: skip

    per = (n - SUPERVISORS) // SUPERVISORS
    return [
        node(f"/s{s}", [node(f"/s{s}/$a{i}", []) for i in range(per)]) for s in range(SUPERVISORS)
    ]


async def measure_one(url: str) -> tuple[float, float, int, int]:
    """One request: (stall_ms, total_ms, body bytes, full garbage collections during it)."""
    loop = asyncio.get_running_loop()
    done = False
    longest = 0.0
    full = 0

    def collected(phase: str, info: dict[str, int]) -> None:
        nonlocal full
        full += phase == "stop" and info["generation"] == 2

    async def spin() -> None:
        nonlocal longest
        last = time.perf_counter()
        while not done:
            await asyncio.sleep(0)
            now = time.perf_counter()
            longest = max(longest, now - last)
            last = now

    spinner = asyncio.create_task(spin())
    await asyncio.sleep(0)
    gc.callbacks.append(collected)
    began = time.perf_counter()
    try:
        status, size = await loop.run_in_executor(None, fetch, url)
    finally:
        gc.callbacks.remove(collected)
    total = time.perf_counter() - began
    done = True
    await spinner
    assert status == 200, status
    return longest * 1e3, total * 1e3, size, full


async def at_size(n: int, rounds: int) -> list[dict[str, Any]]:
    from actorkit import Actor, ActorSystem

    class Idle(Actor):
        async def receive(self, message: Any) -> Any:
            return message

    class Supervisor(Actor):
        async def receive(self, message: Any) -> Any:
            for _ in range(message):
                await self.spawn(Idle)
            return message

    figures = []
    tree = baseline_tree(n)
    started = time.perf_counter()
    json.dumps(tree)
    baseline_ms = (time.perf_counter() - started) * 1e3
    del tree
    async with ActorSystem("http-tree") as system:
        per = (n - SUPERVISORS) // SUPERVISORS
        supervisors = [await system.spawn(Supervisor, name=f"s{s}") for s in range(SUPERVISORS)]
        await asyncio.gather(*(ref.ask(per) for ref in supervisors))
        server = await system.serve_http(port=0)
        for path in ("/actors", "/metrics"):
            samples = [await measure_one(server.url + path) for _ in range(rounds)]
            stalls = [s[0] for s in samples]
            totals = [s[1] for s in samples]
            figures.append(
                {
                    "endpoint": path,
                    "actors": system.actor_count,
                    "stall_ms": round(statistics.median(stalls), 2),
                    "stall_max_ms": round(max(stalls), 2),
                    "total_ms": round(statistics.median(totals), 2),
                    "bytes": samples[-1][2],
                    "full_gcs": sum(s[3] for s in samples),
                    "baseline_json_ms": round(baseline_ms, 2),
                    "stall_ratio": round(statistics.median(stalls) / baseline_ms, 3),
                    "total_ratio": round(statistics.median(totals) / baseline_ms, 3),
                }
            )
        await server.close()
    return figures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 50_000, 200_000])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="10,000 actors only")
    args = parser.parse_args(argv)
    if args.quick:
        args.sizes = [10_000]
    import actorkit

    for n in args.sizes:
        for figure in actorkit.run(at_size(n, args.rounds)):
            print(json.dumps(figure), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
