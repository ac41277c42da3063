"""Memory soak: steady traffic with restarts for minutes, sampling RSS. Not part of CI.

    python benchmarks/soak.py [--minutes M] [--interval S] [--quick]

Every round does the same work, so a healthy runtime's memory is flat once warm: tells and
asks through a supervision tree whose workers crash every few hundred messages (restarts; a
supervisor that gives up now and then is restarted by the root), a pool member crashing, asks
that time out, publishes on a few topics (some with no subscriber: dead letters), tells to
stopped actors (dead letters), short-lived actors spawned and stopped (churn: names, paths,
subscriptions, watches), tasks with retries on agents that sometimes crash, and periodic
timers. Everything bounded by design (dead-letter ring, agent histories, topic cache, ask
deadline buckets, finished tasks) gets exercised far past its bound.

One JSON line per sample on stdout: elapsed seconds, RSS in MiB (from /proc/self/statm, or
`resource` peak where /proc is missing), asyncio tasks, live actors, and the cumulative
traffic counts; then a summary line with the RSS slope over the run after the first quarter
(warm-up) by least squares, in KiB per minute.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import json
import os
import random
import resource
import sys
import time
from pathlib import Path
from typing import Any

# Runnable as a plain script from a checkout that has not been pip-installed.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import actorkit
from actorkit import (
    Actor,
    ActorError,
    ActorSystem,
    ChildSpec,
    OneForOne,
    Supervisor,
    Task,
    Terminated,
)

PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096


def rss_mib() -> float:
    try:
        with open("/proc/self/statm") as statm:
            return int(statm.read().split()[1]) * PAGE / 2**20
    except OSError:  # no /proc: the peak is the best the stdlib offers
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


class Boom(Exception):
    pass


class Worker(Actor):
    """Counts; every `crash_every`-th message crashes it (a restart)."""

    def __init__(self, crash_every: int) -> None:
        self.crash_every = crash_every
        self.count = 0

    async def receive(self, message: Any) -> Any:
        self.count += 1
        if isinstance(message, Task):
            if message.payload % 7 == 0 and message.attempt == 1:
                raise Boom("task attempt failed on purpose")
            return message.payload
        if message == "slow":
            await asyncio.sleep(0.05)  # outlives a short ask timeout: a late reply
        elif isinstance(message, int) and message % self.crash_every == 0:
            raise Boom("crash on purpose")
        return message


class Watcher(Actor):
    async def receive(self, message: Any) -> Any:
        if isinstance(message, Terminated):
            return None
        self.watch(message)
        return None


class Temp(Actor):
    async def on_start(self) -> None:
        self.subscribe(f"temp.{self.name.strip('$')}")

    async def receive(self, message: Any) -> Any:
        return message


async def soak(minutes: float, interval: float, per_round: int) -> dict[str, Any]:
    rng = random.Random(1)
    system = ActorSystem("soak", supervisor=OneForOne(max_restarts=1_000_000, within=1.0))
    async with system:
        specs = [ChildSpec(Worker, 300 + 50 * i, name=f"w{i}") for i in range(8)]
        await system.spawn(Supervisor, specs, OneForOne(max_restarts=20, within=1.0), name="sup")
        pool = await system.spawn_pool(Worker, 997, size=4, name="pool")
        for i in range(4):
            await system.spawn(Worker, 10_000, name=f"agent{i}", capabilities=["work"])
        watcher = await system.spawn(Watcher, name="watcher")
        listener = await system.spawn(Worker, 1_000_003, name="listener")
        system.subscribe(listener, "events.*")
        ticks = system.schedule_every(0.01, listener, "tick")
        paths = [f"/sup/w{i}" for i in range(8)]

        started = time.monotonic()
        deadline = started + minutes * 60
        next_sample = started
        samples: list[dict[str, Any]] = []
        sent = asks = timeouts = tasks_done = churned = rounds = 0
        n = 0
        while True:
            now = time.monotonic()
            if now >= next_sample:
                gc.collect()
                sample = {
                    "t": round(now - started, 1),
                    "rss_mib": round(rss_mib(), 2),
                    "asyncio_tasks": len(asyncio.all_tasks()),
                    "actors": system.actor_count,
                    "rounds": rounds,
                    "messages": sent,
                    "asks": asks,
                    "ask_timeouts": timeouts,
                    "tasks": tasks_done,
                    "churned_actors": churned,
                    "restarts": sum(s.restarts for s in system.metrics.classes()),
                    "dead_letters": system.dead_letters.count,
                    "balanced": system.accounting().balanced,
                }
                print(json.dumps(sample), flush=True)
                samples.append(sample)
                next_sample += interval
                if now >= deadline:
                    break
            rounds += 1
            # Tells through the tree (crashes and restarts included) and the pool.
            for _ in range(per_round):
                n += 1
                ref = system.lookup(rng.choice(paths))
                with contextlib.suppress(ActorError):  # MailboxFull during a give-up
                    (ref or pool).tell(n)
                    sent += 1
                pool.tell(n)
                sent += 1
            # Asks: most answered, some timing out against a slow handler.
            replies = await asyncio.gather(
                *(pool.ask(i, timeout=1.0) for i in range(per_round // 10)),
                pool.ask("slow", timeout=0.01),
                return_exceptions=True,
            )
            asks += len(replies)
            timeouts += sum(isinstance(r, TimeoutError) for r in replies)
            # Pub-sub, some of it to nobody (dead letters).
            for i in range(per_round // 10):
                system.publish(f"events.{i % 3}", i)
                system.publish("nobody.listens", i)
            # Churn: short-lived actors with subscriptions and a watcher, then stopped.
            temps = [await system.spawn(Temp) for _ in range(5)]
            for temp in temps:
                watcher.tell(temp)
                system.publish(f"temp.{temp.name.strip('$')}", "hello")
            for temp in temps:
                await temp.stop()
                temp.tell("too late")  # a dead letter
            churned += len(temps)
            # Tasks with a retry on agents that crash on some first attempts.
            handles = [
                await system.submit(i, requires=["work"], retries=1) for i in range(per_round // 20)
            ]
            for outcome in await asyncio.gather(*handles, return_exceptions=True):
                tasks_done += 1
                assert not isinstance(outcome, BaseException), outcome
            await listener.ask("sync", timeout=5.0)
        ticks.cancel()

    warm = [s for s in samples if s["t"] >= samples[-1]["t"] / 4] or samples
    return {
        "summary": True,
        "minutes": minutes,
        "samples": len(samples),
        "rss_first_mib": samples[0]["rss_mib"],
        "rss_after_warmup_mib": warm[0]["rss_mib"],
        "rss_last_mib": samples[-1]["rss_mib"],
        "rss_max_mib": max(s["rss_mib"] for s in samples),
        "rss_slope_kib_per_min": round(slope(warm) * 1024 * 60, 1),
        "messages": sent,
        "msgs_per_s": round(sent / (samples[-1]["t"] or 1)),
        "restarts": samples[-1]["restarts"],
        "dead_letters": samples[-1]["dead_letters"],
        "balanced": system.accounting().balanced,
        "failure": None if system.failure is None else repr(system.failure),
    }


def slope(samples: list[dict[str, Any]]) -> float:
    """Least-squares RSS slope in MiB per second."""
    if len(samples) < 2:
        return 0.0
    xs = [s["t"] for s in samples]
    ys = [s["rss_mib"] for s in samples]
    mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
    var = sum((x - mx) ** 2 for x in xs)
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / var if var else 0.0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--interval", type=float, default=10.0, help="seconds between samples")
    parser.add_argument("--per-round", type=int, default=200, help="tells per round")
    parser.add_argument("--quick", action="store_true", help="20 s, a sample every 2 s")
    args = parser.parse_args(argv)
    if args.quick:
        args.minutes, args.interval = 1 / 3, 2.0
    # Handlers crash on purpose: keep the crash reports out of the JSON output.
    import logging

    logging.getLogger("actorkit").setLevel(logging.CRITICAL)
    summary = actorkit.run(soak(args.minutes, args.interval, args.per_round))
    print(json.dumps(summary))
    return 0 if summary["balanced"] and summary["failure"] is None else 1


if __name__ == "__main__":
    sys.exit(main())
