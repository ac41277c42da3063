"""actorkit over NATS against raw nats-py, across two processes: `python benchmarks/nats.py`.

Starts its own nats-server on a free loopback port and a responder process, then measures
from this process, alternating sides on one loop (see `_harness`):
- ask: sequential round trips, an actorkit remote ask to an exposed echo actor against
  nats-py's `request` to a subscription that echoes the payload;
- publish: end to end, from the first publish until the responder saw all n: actorkit's
  `system.publish` to an actor subscribed in the responder against nats-py `publish` to a
  counting subscription;
- tell: the same, with `remote(...).tell` to an exposed actor in the responder against the
  same raw publish loop.
The responder signals "all n arrived" on a control subject, so no side polls or sleeps.
Targets (issue 14, `--check` exits 1 on a miss): ask and tell rate >= 1.0x.

`--quick` uses small sizes and one run. Needs nats-server on PATH (or /usr/sbin) and the
`nats` extra.
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
from benchmarks._harness import Bench, Figure, Figures, Metric, measure, percentiles_us  # noqa: E402
from benchmarks._nats_setup import report, responder, start_server  # noqa: E402

DONE = "bench.ctl.done"
EXPECT = "bench.ctl.expect"


class Echo(Actor):
    async def receive(self, message: object) -> object:
        return message


class Sink(Actor):
    """Counts publishes; tells the driver (on a raw subject) when the expected number arrived."""

    expected = 0
    seen = 0
    done: Any = None

    async def on_start(self) -> None:
        self.subscribe("bench.>")

    async def receive(self, message: object) -> None:
        Sink.seen += 1
        if Sink.seen == Sink.expected:
            Sink.done()


async def serve(url: str) -> None:
    """The responder: an actorkit system and a raw client side by side in one process."""
    raw = await nats.connect(url)
    counted = {"raw": 0, "expected": 0}

    async def echo(msg: Any) -> None:
        await raw.publish(msg.reply, msg.data)

    async def count(msg: Any) -> None:
        counted["raw"] += 1
        if counted["raw"] == counted["expected"]:
            await raw.publish(DONE, b"raw")

    async def expect(msg: Any) -> None:
        n = int(msg.data)
        counted["raw"], counted["expected"] = 0, n
        Sink.seen, Sink.expected = 0, n
        await raw.publish(msg.reply, b"ok")

    def sink_done() -> None:
        asyncio.get_running_loop().create_task(raw.publish(DONE, b"actorkit"))

    Sink.done = sink_done
    await raw.subscribe("raw.echo", cb=echo)
    await raw.subscribe("raw.pub", cb=count)
    await raw.subscribe(EXPECT, cb=expect)
    transport = NatsTransport(url)
    async with ActorSystem("bench-responder", transport=transport, metrics=True) as system:
        system.expose(await system.spawn(Echo, name="echo"))
        system.expose(await system.spawn(Sink, name="sink", mailbox_size=None))
        await transport.flush()
        await raw.flush()
        await raw.flush()
        print("ready", flush=True)
        await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)  # until closed
    await raw.close()


def benches(url: str) -> list[Bench]:
    async def client() -> tuple[ActorSystem, NatsTransport]:
        transport = NatsTransport(url)
        system = ActorSystem("bench-driver", transport=transport)
        await system.start()
        return system, transport

    async def actorkit_ask(n: int) -> Figures:
        system, _ = await client()
        try:
            echo = system.remote("bench-responder", "/echo")
            await echo.ask(0)
            times = []
            began = time.perf_counter()
            for i in range(n):
                started = time.perf_counter()
                await echo.ask(i)
                times.append(time.perf_counter() - started)
            elapsed = time.perf_counter() - began
        finally:
            await system.shutdown()
        return {"rate": n / elapsed, **percentiles_us(times)}

    async def raw_ask(n: int) -> Figures:
        nc = await nats.connect(url)
        try:
            await nc.request("raw.echo", b"0")
            times = []
            began = time.perf_counter()
            for i in range(n):
                started = time.perf_counter()
                await nc.request("raw.echo", str(i).encode(), timeout=5)
                times.append(time.perf_counter() - started)
            elapsed = time.perf_counter() - began
        finally:
            await nc.close()
        return {"rate": n / elapsed, **percentiles_us(times)}

    async def until_done(nc: Any, n: int, publish: Any) -> float:
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()

        async def on_done(msg: Any) -> None:
            if not done.done():
                done.set_result(None)

        sub = await nc.subscribe(DONE, cb=on_done)
        await nc.request(EXPECT, str(n).encode(), timeout=5)
        began = time.perf_counter()
        await publish()
        async with asyncio.timeout(120):
            await done
        elapsed = time.perf_counter() - began
        await sub.unsubscribe()
        return elapsed

    async def actorkit_publish(n: int) -> Figures:
        system, _ = await client()
        nc = await nats.connect(url)
        try:

            async def publish() -> None:
                for i in range(n):
                    system.publish("bench.orders", i)
                    if i % 1000 == 999:
                        await asyncio.sleep(0)  # publish is a plain call: let the writer run

            elapsed = await until_done(nc, n, publish)
        finally:
            await nc.close()
            await system.shutdown()
        return {"rate": n / elapsed}

    async def actorkit_tell(n: int) -> Figures:
        system, _ = await client()
        nc = await nats.connect(url)
        try:
            sink = system.remote("bench-responder", "/sink")

            async def tell() -> None:
                for i in range(n):
                    sink.tell(i)
                    if i % 1000 == 999:
                        await asyncio.sleep(0)  # tell is a plain call: let the writer run

            elapsed = await until_done(nc, n, tell)
        finally:
            await nc.close()
            await system.shutdown()
        return {"rate": n / elapsed}

    async def raw_publish(n: int) -> Figures:
        nc = await nats.connect(url)
        try:

            async def publish() -> None:
                for i in range(n):
                    await nc.publish("raw.pub", str(i).encode())

            elapsed = await until_done(nc, n, publish)
        finally:
            await nc.close()
        return {"rate": n / elapsed}

    return [
        Bench(
            "nats_ask",
            actorkit_ask,
            raw_ask,
            (
                Metric("rate", "asks/s", target=1.0),
                Metric("p50", "µs", higher_is_better=False),
                Metric("p99", "µs", higher_is_better=False),
            ),
            size=5_000,
            quick_size=500,
            baseline_is="raw nats-py request-reply",
        ),
        Bench(
            "nats_publish",
            actorkit_publish,
            raw_publish,
            (Metric("rate", "msgs/s"),),
            size=100_000,
            quick_size=10_000,
            baseline_is="raw nats-py publish",
        ),
        Bench(
            "nats_tell",
            actorkit_tell,
            raw_publish,
            (Metric("rate", "msgs/s", target=1.0),),
            size=100_000,
            quick_size=10_000,
            baseline_is="raw nats-py publish",
        ),
    ]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, one run")
    parser.add_argument("--runs", type=int, help="runs per side (default 3, 1 with --quick)")
    parser.add_argument("--only", nargs="+", metavar="NAME", help="run only these benches")
    parser.add_argument("--check", action="store_true", help="exit 1 if a target is missed")
    parser.add_argument("--serve", metavar="URL", help=argparse.SUPPRESS)  # the responder
    args = parser.parse_args()
    if args.serve:
        actorkit.run(serve(args.serve))
        return 0
    figures: list[Figure] = []
    with start_server() as url, responder(url, __file__):
        runs = args.runs or (1 if args.quick else 3)
        for bench in benches(url):
            if args.only and bench.name not in args.only:
                continue
            n = bench.quick_size if args.quick else bench.size
            assert n is not None
            for figure in measure(bench, n, runs):
                print(figure.json(), flush=True)
                figures.append(figure)
    return report(figures, args.check)


if __name__ == "__main__":
    sys.exit(main())
