"""Scrape flood: many concurrent scrapers on /metrics and /actors while messages flow.

    python benchmarks/scrape_flood.py [--seconds S] [--concurrency C] [--actors N] [--quick]

The server side (this process, on uvloop) runs an `ActorSystem` with N idle actors (so
/actors and the per-class metrics have a realistic tree to walk) and a flood: a producer
`send`s into a bounded `Sink` as fast as the sink takes them. The sink stamps every message it
handles; the longest gap between two consecutive messages is how long message handling was
stalled by anything else on the loop (a scrape, the producer, the HTTP server). The flood runs
twice for `--seconds`: alone (the baseline gap and rate), then under `--concurrency` scrapers
looping over /metrics (two in three) and /actors from a separate process (`--client`), as
Prometheus would. One JSON line per phase on stdout.

`--client URL` is the scraper process itself: it prints one JSON line (scrapes, errors,
latency percentiles) and exits; tests/test_scrape_flood.py uses it too.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

PATHS = ("/metrics", "/metrics", "/actors")


# --- the scraper process --------------------------------------------------------------------
async def scrape(url: str, concurrency: int, seconds: float, total: int | None) -> dict[str, Any]:
    """`concurrency` loops, each GETting the next of PATHS until `seconds` pass (or `total`
    scrapes were made in all); returns counts and latency figures in milliseconds."""
    import aiohttp

    latencies: list[float] = []
    errors: list[str] = []
    deadline = time.perf_counter() + seconds
    issued = 0
    timeout = aiohttp.ClientTimeout(total=30)
    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:

        async def loop(index: int) -> None:
            nonlocal issued
            step = index
            while time.perf_counter() < deadline and (total is None or issued < total):
                issued += 1
                path = PATHS[step % len(PATHS)]
                step += 1
                started = time.perf_counter()
                try:
                    async with session.get(url + path) as response:
                        await response.read()
                        if response.status != 200:
                            errors.append(f"{path}: {response.status}")
                except (aiohttp.ClientError, TimeoutError) as error:
                    errors.append(f"{path}: {error!r}")
                latencies.append(time.perf_counter() - started)

        began = time.perf_counter()
        await asyncio.gather(*(loop(i) for i in range(concurrency)))
        elapsed = time.perf_counter() - began
    ordered = sorted(latencies) or [0.0]
    return {
        "scrapes": len(latencies),
        "errors": len(errors),
        "first_errors": errors[:5],
        "scrapes_per_s": round(len(latencies) / elapsed, 1),
        "latency_p50_ms": round(statistics.median(ordered) * 1e3, 2),
        "latency_p99_ms": round(ordered[int(0.99 * (len(ordered) - 1))] * 1e3, 2),
        "latency_max_ms": round(ordered[-1] * 1e3, 2),
    }


def client_command(url: str, concurrency: int, seconds: float, total: int | None) -> list[str]:
    command = [sys.executable, str(Path(__file__).resolve()), "--client", url]
    command += ["--concurrency", str(concurrency), "--seconds", str(seconds)]
    if total is not None:
        command += ["--total", str(total)]
    return command


# --- the server side ------------------------------------------------------------------------
async def flood(seconds: float, concurrency: int, actors: int) -> list[dict[str, Any]]:
    from actorkit import Actor, ActorSystem
    from actorkit.testing import instance

    class Idle(Actor):
        async def receive(self, message: Any) -> Any:
            return message

    class Sink(Actor):
        def __init__(self) -> None:
            self.count = 0
            self.last = 0.0
            self.max_gap = 0.0

        async def receive(self, message: Any) -> Any:
            now = time.perf_counter()
            if self.last and now - self.last > self.max_gap:
                self.max_gap = now - self.last
            self.last = now
            self.count += 1
            return None

    results = []
    async with ActorSystem("scrape-flood") as system:
        server = await system.serve_http(port=0)
        for _ in range(actors):
            await system.spawn(Idle)
        results.append(await scrape_cost(system))
        for phase in ("alone", "scraped"):
            sink_ref = await system.spawn(Sink, mailbox_size=1000)
            sink = instance(sink_ref)
            assert isinstance(sink, Sink)
            halt = asyncio.Event()

            async def produce(ref: Any = sink_ref, halt: asyncio.Event = halt) -> None:
                n = 0
                while not halt.is_set():
                    await ref.send(n)
                    n += 1

            lag_before = list(system.metrics.loop_lag.counts)
            producer = asyncio.create_task(produce())
            began = time.perf_counter()
            client: dict[str, Any] = {}
            if phase == "scraped":
                process = await asyncio.create_subprocess_exec(
                    *client_command(server.url, concurrency, seconds, None),
                    stdout=subprocess.PIPE,
                )
                out, _ = await process.communicate()
                client = json.loads(out.decode().splitlines()[-1])
            else:
                done = asyncio.Event()
                asyncio.get_running_loop().call_later(seconds, done.set)
                await done.wait()
            elapsed = time.perf_counter() - began
            halt.set()
            await producer
            await sink_ref.stop()
            lag = [b - a for a, b in zip(lag_before, system.metrics.loop_lag.counts, strict=True)]
            results.append(
                {
                    "phase": phase,
                    "seconds": round(elapsed, 2),
                    "actors": actors + 1,
                    "concurrency": concurrency if phase == "scraped" else 0,
                    "msgs_per_s": round(sink.count / elapsed),
                    "max_gap_ms": round(sink.max_gap * 1e3, 2),
                    "loop_lag_buckets": dict(
                        zip([*map(str, system.metrics.loop_lag.buckets), "+Inf"], lag, strict=True)
                    ),
                    **client,
                }
            )
    return results


async def scrape_cost(system: Any, rounds: int = 50) -> dict[str, Any]:
    """Time one scrape's body costs, built in-process (no HTTP) as the endpoint builds it: in
    slices of actors, one per loop turn (benchmarks/http_tree.py measures the longest)."""
    from actorkit._metric_filter import Exposed
    from actorkit._metric_text import written
    from actorkit._tree_body import tree_body

    root = system._running_root("serve_http")  # noqa: SLF001  # what serve_http hands its endpoints
    exposed = Exposed(system.metrics.registry)

    async def metrics() -> bytes:
        pieces, _ = await written(system.metrics, exposed, "", {}, 1 << 16)
        return b"".join(pieces)

    async def actors() -> bytes:
        return b"".join(await tree_body(system, root))

    figures: dict[str, Any] = {"phase": "cost", "actors": system.actor_count}
    for name, build in (("metrics", metrics), ("actors", actors)):
        started = time.perf_counter()
        for _ in range(rounds):
            size = len(await build())
        figures[f"{name}_ms"] = round((time.perf_counter() - started) / rounds * 1e3, 3)
        figures[f"{name}_bytes"] = size
    return figures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=10.0, help="per phase (default 10)")
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument("--actors", type=int, default=1000, help="idle actors in the tree")
    parser.add_argument("--quick", action="store_true", help="2 s per phase, 100 actors")
    parser.add_argument("--client", metavar="URL", help="be the scraper process for URL")
    parser.add_argument("--total", type=int, help="(client) stop after this many scrapes")
    args = parser.parse_args(argv)
    if args.client:
        print(
            json.dumps(asyncio.run(scrape(args.client, args.concurrency, args.seconds, args.total)))
        )
        return 0
    if args.quick:
        args.seconds, args.actors = 2.0, 100
    import actorkit

    for result in actorkit.run(flood(args.seconds, args.concurrency, args.actors)):
        print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
