"""The responder's CPU per remote ask over NATS, actorkit against raw nats-py, in one run:
`python benchmarks/nats_responder.py`.

A measurement, not a bench with a target: the ask's wall-clock ratio (`benchmarks/nats.py`)
moves with the machine's load, while the CPU the answering process spends per ask does not
much, and it is where actorkit's ask costs more than raw request-reply (the asker spends the
same on both sides). This process drives `n` sequential asks to an exposed echo actor and `n`
requests to a raw echo subscription, alternated for `--rounds`; the responder reports its
own CPU time (`getrusage`, user and system apart) before and after each batch on a control
subject, so the figures are the responder's CPU alone, per ask, with the asks' start-up
outside them. The system part is mostly the socket's, the same work on both sides.

`--profile DIR` also runs one batch of each side under cProfile in the responder and prints
the functions by their time per ask (tottime), the two sides next to each other.

`--callgrind DIR` counts instructions instead, which the machine's load does not move: the
responder runs under `valgrind --tool=callgrind` once per side for `n` asks and once for
`3n`, and the difference divided by `2n` is printed (start-up and shutdown cancel out); the
outputs stay in DIR for `callgrind_annotate`. As in `benchmarks/instructions.py`, the
clock's resolution is stretched 50 times under valgrind, so that work paid per unit of time
(the ask deadline buckets' rotation) keeps its real proportion to the asks.

`--opcodes` also counts the Python bytecodes the responder runs per ask, function by function
(`sys.settrace` with opcode events).

Needs nats-server on PATH (or /usr/sbin) and the `nats` extra.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import json
import os
import re
import resource
import statistics
import subprocess
import sys
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
if sys.path and Path(sys.path[0]).resolve() == HERE:
    sys.path[0] = str(HERE.parent)  # run as a script: `import nats` must find nats-py, not us

import nats  # noqa: E402

import actorkit  # noqa: E402
from actorkit import Actor, ActorSystem  # noqa: E402
from actorkit.nats import NatsTransport  # noqa: E402
from benchmarks._nats_setup import responder, start_server  # noqa: E402
from benchmarks._responder_views import Opcodes, show_opcodes, show_profiles  # noqa: E402

CPU = "bench.ctl.cpu"
PROFILE = "bench.ctl.profile"
OPCODES = "bench.ctl.opcodes"


class Echo(Actor):
    async def receive(self, message: object) -> object:
        return message


async def serve(url: str, time_scale: float) -> None:
    """The responder: an exposed echo actor and a raw echo subscription in one process, as
    in `benchmarks/nats.py`, and the control subjects."""
    from actorkit import _clock

    _clock.SystemClock.resolution *= time_scale
    raw = await nats.connect(url)
    profiler: list[cProfile.Profile] = []

    async def echo(msg: Any) -> None:
        await raw.publish(msg.reply, msg.data)

    async def cpu(msg: Any) -> None:
        used = resource.getrusage(resource.RUSAGE_SELF)
        await raw.publish(msg.reply, json.dumps([used.ru_utime, used.ru_stime]).encode())

    async def profile(msg: Any) -> None:
        order = msg.data.decode()
        if order == "on":
            profiler.append(cProfile.Profile())
            profiler[-1].enable()
        else:
            profiler[-1].disable()
            profiler.pop().dump_stats(order)
        await raw.publish(msg.reply, b"ok")

    await raw.subscribe("raw.echo", cb=echo)
    await raw.subscribe(CPU, cb=cpu)
    await raw.subscribe(PROFILE, cb=profile)
    tracer = Opcodes()

    async def opcodes(msg: Any) -> None:
        if msg.data == b"on":
            tracer.on()
            await raw.publish(msg.reply, b"ok")
        else:
            await raw.publish(msg.reply, json.dumps(tracer.off()).encode())

    await raw.subscribe(OPCODES, cb=opcodes)
    transport = NatsTransport(url)
    async with ActorSystem("bench-responder", transport=transport, metrics=True) as system:
        system.expose(await system.spawn(Echo, name="echo"))
        await transport.flush()
        await raw.flush()
        print("ready", flush=True)
        await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)  # until closed
    await raw.close()


async def drive(url: str, n: int, rounds: int, profile_dir: Path | None, opcodes: bool) -> None:
    ctl = await nats.connect(url)
    transport = NatsTransport(url)
    system = ActorSystem("bench-driver", transport=transport)
    await system.start()
    echo = system.remote("bench-responder", "/echo")
    asker = await nats.connect(url)

    async def actorkit_asks() -> None:
        for i in range(n):
            await echo.ask(i)

    async def raw_asks() -> None:
        for i in range(n):
            await asker.request("raw.echo", str(i).encode(), timeout=5)

    async def cpu() -> tuple[float, float]:
        user, system = json.loads((await ctl.request(CPU, b"", timeout=5)).data)
        return user, system

    sides = {"actorkit": actorkit_asks, "raw": raw_asks}
    try:
        for run in sides.values():  # warm both paths up
            await run()
        per_ask: dict[str, list[tuple[float, float]]] = {side: [] for side in sides}
        for round_ in range(rounds):
            order = list(sides) if round_ % 2 == 0 else list(reversed(sides))
            for side in order:
                user, kernel = await cpu()
                await sides[side]()
                user_after, kernel_after = await cpu()
                used = ((user_after - user) / n * 1e6, (kernel_after - kernel) / n * 1e6)
                per_ask[side].append(used)
                print(
                    f"round {round_ + 1} {side}: {sum(used):.1f} µs CPU per ask "
                    f"({used[0]:.1f} user, {used[1]:.1f} system)"
                )
        medians = {}
        for side, figures in per_ask.items():
            total = [user + system for user, system in figures]
            medians[side] = statistics.median(total)
            print(
                f"{side}: median {medians[side]:.1f} µs (min {min(total):.1f}, max "
                f"{max(total):.1f}), user {statistics.median(u for u, _ in figures):.1f}, "
                f"system {statistics.median(s for _, s in figures):.1f}: responder CPU per ask"
            )
        print(f"actorkit / raw: {medians['actorkit'] / medians['raw']:.2f}")
        if profile_dir is not None:
            for side, run in sides.items():
                path = profile_dir / f"responder_{side}.prof"
                await ctl.request(PROFILE, b"on", timeout=5)
                await run()
                await ctl.request(PROFILE, str(path).encode(), timeout=30)
            show_profiles(profile_dir, n)
        if opcodes:
            counted = {}
            for side, run in sides.items():
                await ctl.request(OPCODES, b"on", timeout=5)
                await run()
                reply = await ctl.request(OPCODES, b"off", timeout=60)
                counted[side] = json.loads(reply.data)
            show_opcodes(counted, n)
    finally:
        await asker.close()
        await system.shutdown()
        await ctl.close()


async def asks_only(url: str, side: str, n: int) -> None:
    """One side's asks and nothing else, for a responder under callgrind."""
    transport = NatsTransport(url)
    system = ActorSystem("bench-driver", transport=transport)
    await system.start()
    echo = system.remote("bench-responder", "/echo")
    asker = await nats.connect(url)
    try:
        for i in range(n + 200):  # 200 to warm the path up, in both counts
            if side == "actorkit":
                await echo.ask(i, timeout=60)
            else:
                await asker.request("raw.echo", str(i).encode(), timeout=60)
    finally:
        await asker.close()
        await system.shutdown()


def counted(url: str, side: str, n: int, out: Path) -> int:
    """Instructions of a responder under callgrind that answered `n` asks of `side`."""
    cg = out / f"cg.{side}.{n}"
    responder = subprocess.Popen(
        [
            *("valgrind", "--tool=callgrind", f"--callgrind-out-file={cg}", sys.executable),
            *(__file__, "--serve", url, "--time-scale", "50"),
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONHASHSEED": "0"},  # the same dicts' layouts in each run
    )
    assert responder.stdout is not None
    assert responder.stdin is not None
    assert responder.stderr is not None
    try:
        if responder.stdout.readline().strip() != "ready":
            raise RuntimeError("the responder did not start")
        actorkit.run(asks_only(url, side, n))
    finally:
        responder.stdin.close()
        err = responder.stderr.read()
        responder.wait(timeout=600)
    found = re.search(r"Collected : (\d+)", err)
    if found is None:
        raise SystemExit(f"callgrind printed no count:\n{err[-2000:]}")
    return int(found.group(1))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=5_000, help="asks per batch")
    parser.add_argument("--rounds", type=int, default=4, help="batches per side")
    parser.add_argument("--profile", type=Path, metavar="DIR", help="also profile, into DIR")
    parser.add_argument("--sides", nargs="+", default=["actorkit", "raw"], help="callgrind's")
    parser.add_argument("--opcodes", action="store_true", help="also count bytecodes")
    parser.add_argument("--callgrind", type=Path, metavar="DIR", help="count instructions")
    parser.add_argument("--serve", metavar="URL", help=argparse.SUPPRESS)  # the responder
    parser.add_argument("--time-scale", type=float, default=1.0, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        actorkit.run(serve(args.serve, args.time_scale))
        return 0
    if args.callgrind:
        args.callgrind.mkdir(parents=True, exist_ok=True)
        with start_server() as url:
            for side in args.sides:
                small = counted(url, side, args.n, args.callgrind)
                large = counted(url, side, 3 * args.n, args.callgrind)
                per_ask = (large - small) / (2 * args.n)
                print(f"{side}: {per_ask:,.0f} responder instructions per ask", flush=True)
        return 0
    with start_server() as url, responder(url, __file__):
        if args.profile:
            args.profile.mkdir(parents=True, exist_ok=True)
        actorkit.run(drive(url, args.n, args.rounds, args.profile, args.opcodes))
    return 0


if __name__ == "__main__":
    sys.exit(main())
