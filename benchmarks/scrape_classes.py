"""How long a `/metrics` scrape of many actor classes holds the event loop, and which garbage
collections it sets off.

    python benchmarks/scrape_classes.py [--classes 1000 5000] [--rounds 3] [--alive]

For each count a system gets that many actor classes, one actor each (asked once, then
stopped unless `--alive`: a stopped actor's class keeps its series), served by `serve_http`.
A client in another process (aiohttp) fetches `/metrics` `--rounds` times, after one warm-up
scrape, while a task on the loop does nothing but `await asyncio.sleep(0)`: the longest gap
between two of its turns is the longest the loop was held (`stall_ms`), the same less the
garbage collections run within that gap (`stall_no_gc_ms`), and the most CPU time the loop's
thread spent between two turns (`stall_cpu_ms`: a stall less the time other processes had the
core, the client's among them). `gc.callbacks` records every
collection during the scrape: how many of each generation, and each full (generation 2)
collection's duration. One JSON line per count and round on stdout.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import sys
import time
from typing import Any

CLIENT = """
import asyncio, sys, time
import aiohttp

async def main():
    async with aiohttp.ClientSession() as session:
        for line in sys.stdin:
            began = time.perf_counter()
            async with session.get(line.strip()) as response:
                size = 0
                async for chunk in response.content.iter_chunked(1 << 16):
                    size += len(chunk)
            took = (time.perf_counter() - began) * 1e3
            print(response.status, size, round(took, 1), flush=True)

asyncio.run(main())
"""


class Watch:
    """The loop's gaps and the garbage collections, from `start` to `stop`."""

    def __init__(self) -> None:
        self.collections: list[tuple[int, float, float]] = []
        """(generation, began, duration), perf_counter seconds."""
        self.gaps: list[tuple[float, float]] = []
        self.longest_cpu = 0.0
        """The most CPU time the loop's thread spent between two turns: a stall less the
        time other processes had the core (the client's, on a 2-core machine)."""
        self._began = 0.0
        self._done = False

    def _collected(self, phase: str, info: dict[str, int]) -> None:
        now = time.perf_counter()
        if phase == "start":
            self._began = now
        else:
            self.collections.append((info["generation"], self._began, now - self._began))

    async def _spin(self) -> None:
        last, last_cpu = time.perf_counter(), time.thread_time()
        while not self._done:
            await asyncio.sleep(0)
            now, now_cpu = time.perf_counter(), time.thread_time()
            self.gaps.append((last, now))
            self.longest_cpu = max(self.longest_cpu, now_cpu - last_cpu)
            last, last_cpu = now, now_cpu

    async def start(self) -> None:
        self._task = asyncio.create_task(self._spin())
        await asyncio.sleep(0)
        gc.callbacks.append(self._collected)

    async def stop(self) -> None:
        gc.callbacks.remove(self._collected)
        self._done = True
        await self._task

    def figures(self) -> dict[str, Any]:
        def in_gap(began: float, ended: float) -> float:
            return sum(d for _, at, d in self.collections if began <= at < ended)

        longest = max(ended - began for began, ended in self.gaps)
        less_gc = max(ended - began - in_gap(began, ended) for began, ended in self.gaps)
        full = [d for generation, _, d in self.collections if generation == 2]
        return {
            "stall_ms": round(longest * 1e3, 1),
            "stall_no_gc_ms": round(less_gc * 1e3, 1),
            "stall_cpu_ms": round(self.longest_cpu * 1e3, 1),
            "gcs": [sum(g == n for g, _, _ in self.collections) for n in range(3)],
            "gen2_ms": [round(d * 1e3, 1) for d in full],
        }


async def at_count(count: int, rounds: int, alive: bool) -> list[dict[str, Any]]:
    from actorkit import Actor, ActorSystem

    async def receive(self: Actor, message: Any) -> Any:
        return message

    client = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        CLIENT,
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
    )
    assert client.stdin is not None
    assert client.stdout is not None
    figures = []
    async with ActorSystem("scrape-classes") as system:
        refs = [
            await system.spawn(type(f"Kind{i:05d}", (Actor,), {"receive": receive}))
            for i in range(count)
        ]
        await asyncio.gather(*(ref.ask(1) for ref in refs))
        if not alive:
            for ref in refs:
                await ref.stop()
        del refs
        server = await system.serve_http(port=0)
        for round_ in range(rounds + 1):
            watch = Watch()
            await watch.start()
            client.stdin.write(f"{server.url}/metrics\n".encode())
            status, size, total_ms = (await client.stdout.readline()).split()
            await watch.stop()
            assert status == b"200", status
            if round_:  # the first imports and warms up
                figures.append(
                    {
                        "classes": count,
                        "actors": "alive" if alive else "stopped",
                        "bytes": int(size),
                        "total_ms": float(total_ms),
                        **watch.figures(),
                    }
                )
        await server.close()
    client.stdin.close()
    await client.wait()
    return figures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--classes", type=int, nargs="+", default=[1000, 5000])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--alive", action="store_true", help="keep the actors running")
    args = parser.parse_args(argv)
    import actorkit

    for count in args.classes:
        for figure in actorkit.run(at_count(count, args.rounds, args.alive)):
            print(json.dumps(figure), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
