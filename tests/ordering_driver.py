"""The seeded ordering driver: senders, the clock, and the chaos that stops and resizes
(the actors and the checks are in ordering_support)."""

from __future__ import annotations

import asyncio
import random
from typing import Any

from actorkit import (
    ActorStopped,
    ActorSystem,
    AskTimeout,
    MailboxFull,
    OneForOne,
    PoolRef,
)
from actorkit.persistence import MemoryStore
from actorkit.testing import ManualClock

from .ordering_support import (
    DECIDER,
    DurableReceiver,
    Fates,
    Log,
    M,
    Parent,
    Receiver,
    Watcher,
    check,
)


async def sender(
    name: str,
    rng: random.Random,
    targets: dict[str, Any],
    system: ActorSystem,
    fates: Fates,
    steps: int,
    faults: bool,
    by_timer: set[M],
) -> None:
    keys = sorted(targets)
    for seq in range(1, steps + 1):
        key = rng.choice(keys)
        ref = targets[key]
        fault = None
        if faults and rng.random() < 0.08:
            fault = rng.choices(["resume", "restart", "stop", "self_stop"], [6, 6, 1, 2])[0]
        message = M(name, seq, fault)
        fates.sent.append(message)
        fates.target[message] = key
        op = rng.choice(["tell", "tell", "send", "send", "ask", "publish", "timer"])
        fates.op[message] = op
        try:
            if op == "tell":
                ref.tell(message)
            elif op == "send":
                await ref.send(message)
            elif op == "ask":
                await ref.ask(message, timeout=rng.choice([0.05, 1.0]))
            elif op == "publish":
                system.publish(f"t.{key}", message)  # 0: a dead letter, found by `check`
            elif op == "timer":
                # A timer is another sender: its messages are checked for exactly-once only.
                system.schedule_once(rng.choice([0.0, 0.01]), ref, message)
                by_timer.add(message)
        except MailboxFull:
            fates.refused.add(message)
        except AskTimeout:
            fates.ask_timeouts.add(message)
        except ActorStopped as error:  # NotDelivered included
            fates.ask_errors[message] = error
        except (ValueError, KeyError, RuntimeError):
            pass  # the handler's own failure, answered to its asker: it was handled
        if rng.random() < 0.3:
            await asyncio.sleep(0)


async def advance_until(clock: ManualClock, done: asyncio.Event, rng: random.Random) -> None:
    while not done.is_set():
        await clock.advance(rng.choice([0.0, 0.01, 0.05, 0.1]))
        await asyncio.sleep(0)


async def scenario(
    seed: int,
    *,
    steps: int = 40,
    senders: int = 3,
    faults: bool = True,
    resize: bool = True,
    stop: str | None = "random",
    hash_resize: bool = False,
) -> list[str]:
    """One seeded run; returns the faults found."""
    rng = random.Random(seed)
    clock = ManualClock()
    log, fates = Log(), Fates()
    by_timer: set[M] = set()
    resized: set[str] = set()
    async with ActorSystem("ordering", clock=clock, store=MemoryStore()) as system:
        watcher = await system.spawn(Watcher, log, mailbox_size=None)
        parent = await system.spawn(Parent)
        a = await parent.ask((Receiver, (log, "a", watcher), "a", 4))
        b = await parent.ask((Receiver, (log, "b"), "b", None))
        d = await parent.ask((DurableReceiver, (log, "d"), "d", 4))
        await watcher.ask(("watch", a))
        pool_h = await system.spawn_pool(
            Receiver,
            log,
            "pool_h",
            size=3,
            routing="consistent_hash",
            hash_key=lambda m: m.sender if isinstance(m, M) else m,
            name="pool_h",
            supervisor=OneForOne(max_restarts=10_000, within=1.0, decider=DECIDER),
            mailbox_size=4,
        )
        pool_rr = await system.spawn_pool(
            Receiver,
            log,
            "pool_rr",
            size=2,
            routing=rng.choice(["round_robin", "random", "least_loaded"]),
            name="pool_rr",
            supervisor=OneForOne(max_restarts=10_000, within=1.0, decider=DECIDER),
            mailbox_size=4,
        )
        targets: dict[str, Any] = {"a": a, "b": b, "d": d, "pool_h": pool_h, "pool_rr": pool_rr}
        for key, ref in targets.items():
            system.subscribe(ref, f"t.{key}")
        done = asyncio.Event()
        ticking = asyncio.create_task(advance_until(clock, done, rng))

        async def chaos() -> None:
            for _ in range(steps):
                await asyncio.sleep(0)
                roll = rng.random()
                if resize and roll < 0.05:
                    pool = pool_h if hash_resize and rng.random() < 0.5 else pool_rr
                    assert isinstance(pool, PoolRef)
                    await pool.resize(rng.choice([1, 2, 3]))
                    resized.add(pool.name)
                elif stop and roll > 0.985 and a.is_alive:
                    how = stop if stop != "random" else rng.choice(["orderly", "forced"])
                    await a.stop(timeout=0 if how == "forced" else None)
                elif stop and roll > 0.97 and len(pool_h.members) > 1:
                    # A member stopped from outside: its keys move, its asks go back first.
                    member = rng.choice(pool_h.members)
                    await member.stop(timeout=rng.choice([0, None]))

        try:
            async with asyncio.timeout(8):
                await asyncio.gather(
                    chaos(),
                    *(
                        sender(
                            f"s{i}",
                            random.Random(rng.random()),
                            targets,
                            system,
                            fates,
                            steps,
                            faults,
                            by_timer,
                        )
                        for i in range(senders)
                    ),
                )
                await clock.advance(1.0)
                await clock.settle()
        finally:
            done.set()
            await ticking
    # A resize moves keys between members: their order is not kept across it (docs/api.md).
    return check(log, fates, system, by_timer, unordered={"pool_rr"} | resized)
