"""A CPU-bound pool in a NATS queue group, 1 process against 2: `python benchmarks/nats_pool.py`.

Starts its own nats-server. Each side of a run starts fresh worker processes (1 for the
baseline, 2 for the measured side), each an `ActorSystem` whose pool of `Burner`s is exposed
in the queue group `burners` (`system.expose(pool, group="burners")`), and this process, a
third system, tells n jobs to `remote_group("burners")`. A job burns `--cost` microseconds of
the worker's CPU time (`time.thread_time`, so time the machine takes away from the worker
does not count as work done). Workers report what they handled on a raw NATS subject, summed
once per loop turn; the clock runs from the first tell until all n are reported. Worker
start-up is outside the clock.

ratio = messages/s with 2 processes / with 1 (target >= 1.6 at 1 ms of CPU per job, `--check`).
The machine has 2 cores for the driver, nats-server and the workers: a ratio near 2 needs
the driver's and the server's share per job to be small next to the job's cost.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
if sys.path and Path(sys.path[0]).resolve() == HERE:
    sys.path[0] = str(HERE.parent)  # run as a script: `import nats` must find nats-py, not us

import nats  # noqa: E402

import actorkit  # noqa: E402
from actorkit import Actor, ActorSystem  # noqa: E402
from actorkit.nats import NatsTransport  # noqa: E402
from benchmarks._harness import Bench, Figure, Figures, Metric, measure  # noqa: E402
from benchmarks._nats_setup import report, start_server  # noqa: E402

HANDLED = "bench.pool.handled"
COSTS_US = (0, 50, 200, 1000)
SIZES = {0: 20_000, 50: 10_000, 200: 5_000, 1000: 1_500}
"""Jobs per run at each cost: about a second of work for one process."""


class Burner(Actor):
    """Burns `cost` seconds of this thread's CPU per job, then counts it."""

    def __init__(self, cost: float, handled: Any) -> None:
        self.cost = cost
        self.handled = handled

    async def receive(self, message: object) -> None:
        if self.cost:
            until = time.thread_time() + self.cost
            while time.thread_time() < until:
                pass
        self.handled()


async def work(url: str, name: str, cost_us: int) -> None:
    """A worker process: the pool in the group, and its count reported once per loop turn."""
    raw = await nats.connect(url)
    loop = asyncio.get_running_loop()
    pending = [0]
    reporting: set[asyncio.Task[None]] = set()

    def report_now() -> None:
        count, pending[0] = pending[0], 0
        task = loop.create_task(raw.publish(HANDLED, str(count).encode()))
        reporting.add(task)
        task.add_done_callback(reporting.discard)

    def handled() -> None:
        if not pending[0]:
            loop.call_soon(report_now)
        pending[0] += 1

    transport = NatsTransport(url)
    async with ActorSystem(name, transport=transport) as system:
        pool = await system.spawn_pool(Burner, cost_us / 1e6, handled, size=2, mailbox_size=None)
        system.expose(pool, group="burners")
        await transport.flush()
        print("ready", flush=True)
        await loop.run_in_executor(None, sys.stdin.read)  # until closed
    await raw.close()


async def workers(url: str, count: int, cost_us: int) -> list[asyncio.subprocess.Process]:
    started = []
    for i in range(count):
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            __file__,
            "--work",
            url,
            f"worker-{i}",
            str(cost_us),
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
        )
        assert process.stdout is not None
        if (await process.stdout.readline()).strip() != b"ready":
            raise RuntimeError("a worker did not start")
        started.append(process)
    return started


async def stop(processes: list[asyncio.subprocess.Process]) -> None:
    for process in processes:
        assert process.stdin is not None
        process.stdin.close()
    for process in processes:
        await process.wait()


async def run(url: str, cost_us: int, processes: int, n: int) -> Figures:
    """One side of one run: fresh workers, n tells to the group, until all n are reported."""
    started = await workers(url, processes, cost_us)
    system = ActorSystem("pool-driver", transport=NatsTransport(url))
    await system.start()
    nc = await nats.connect(url)
    done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
    seen = [0]

    async def count(msg: Any) -> None:
        seen[0] += int(msg.data)
        if seen[0] >= n and not done.done():
            done.set_result(None)

    try:
        await nc.subscribe(HANDLED, cb=count)
        await nc.flush()
        group = system.remote_group("burners")
        began = time.perf_counter()
        for i in range(n):
            group.tell(i)
            if i % 500 == 499:
                await asyncio.sleep(0)  # tell is a plain call: let the writer run
        async with asyncio.timeout(300):
            await done
        elapsed = time.perf_counter() - began
    finally:
        await nc.close()
        await system.shutdown()
        await stop(started)
    return {"rate": n / elapsed}


def bench(url: str, cost_us: int) -> Bench:
    async def two(n: int) -> Figures:
        return await run(url, cost_us, 2, n)

    async def one(n: int) -> Figures:
        return await run(url, cost_us, 1, n)

    return Bench(
        f"nats_pool_{cost_us}us",
        two,
        one,
        (Metric("rate", "msgs/s", target=1.6 if cost_us >= 1000 else None),),
        size=SIZES[cost_us],
        quick_size=SIZES[cost_us] // 10,
        baseline_is="the same pool in 1 process",
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, one run")
    parser.add_argument("--runs", type=int, help="runs per side (default 3, 1 with --quick)")
    parser.add_argument("--cost", type=int, nargs="+", default=COSTS_US, help="µs per job")
    parser.add_argument("--check", action="store_true", help="exit 1 if a target is missed")
    parser.add_argument("--work", nargs=3, help=argparse.SUPPRESS)  # a worker: url name cost
    args = parser.parse_args()
    if args.work:
        url, name, cost = args.work
        actorkit.run(work(url, name, int(cost)))
        return 0
    runs = args.runs or (1 if args.quick else 3)
    figures: list[Figure] = []
    with start_server() as url:
        for cost_us in args.cost:
            pool = bench(url, cost_us)
            n = pool.quick_size if args.quick else pool.size
            assert n is not None
            for figure in measure(pool, n, runs):
                print(figure.json(), flush=True)
                figures.append(figure)
    return report(figures, args.check)


if __name__ == "__main__":
    sys.exit(main())
