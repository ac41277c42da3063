"""The seeded random workload of `test_metrics_truth_random`, and what it saw."""

from __future__ import annotations

import asyncio
import random
from collections import Counter
from typing import Any

from actorkit import (
    ActorRef,
    ActorStopped,
    ActorSystem,
    AskTimeout,
    MailboxFull,
    NameTaken,
    PoolRef,
    TimerHandle,
)
from actorkit.testing import ManualClock

from .metrics_truth_support import (
    CHILDREN,
    FAILURES,
    PARENTS,
    Gate,
    Member,
    Restart,
    Samples,
    StartsSlowly,
    Truth,
    Worker,
    refs_alive,
    scraped,
)

COUNTERS = ("_total", "_count", "_bucket", "_sum")
ROUTINGS = ("round_robin", "random", "least_loaded", "broadcast", "consistent_hash")


class Driver:
    """One seeded workload and what it saw: asks by outcome, tells refused, publishes."""

    def __init__(self, seed: int, system: ActorSystem, clock: ManualClock) -> None:
        self.rng = random.Random(seed)
        self.system = system
        self.clock = clock
        self.truth = Truth(seed)
        self.gate = Gate()
        self.refs: list[tuple[ActorRef, type[Worker]]] = []
        self.pools: dict[str, PoolRef] = {}
        self.background: list[asyncio.Future[Any]] = []
        self.asks: Counter[tuple[str, str]] = Counter()
        self.refused: Counter[str] = Counter()
        self.handles: list[TimerHandle] = []
        self.published = self.delivered = 0
        self.last: Samples = {}
        self.broken: list[str] = []

    def later(self, work: Any) -> None:
        self.background.append(asyncio.ensure_future(work))

    async def ask(self, ref: ActorRef, message: Any, timeout: float, label: str) -> Any:
        try:
            answer = await ref.ask(message, timeout=timeout)
        except asyncio.CancelledError:
            self.asks[(label, "cancelled")] += 1
            raise
        except AskTimeout:
            self.asks[(label, "timeout")] += 1
        except ActorStopped:
            self.asks[(label, "stopped")] += 1
        except Exception:
            self.asks[(label, "error")] += 1
        else:
            self.asks[(label, "ok")] += 1
            return answer
        return None

    def tell(self, ref: ActorRef, cls: type[Worker], message: Any) -> None:
        try:
            ref.tell(message)
        except MailboxFull:
            self.refused[cls.__name__] += 1

    async def spawn(self) -> None:
        rng = self.rng
        size = rng.choice([None, 2, 4, 16])
        restart = rng.choice(["permanent", "transient", "temporary"])
        parents = [(r, c) for r, c in refs_alive(self.refs) if c in PARENTS]
        if parents and rng.random() < 0.6:
            parent, parent_cls = rng.choice(parents)
            cls = rng.choice(CHILDREN)

            async def child() -> None:
                message = ("spawn", cls, restart, size)
                ref = await self.ask(parent, message, 5.0, parent_cls.__name__)
                if ref is not None:
                    self.refs.append((ref, cls))

            self.later(child())
            return
        cls = rng.choice((*CHILDREN, *PARENTS))
        name = rng.choice([None, None, f"{cls.__name__}-a", f"{cls.__name__}-b"])
        try:
            ref = await self.system.spawn(
                cls, self.truth, self.gate, mailbox_size=size, restart=restart, name=name
            )
        except (NameTaken, Restart):  # the name in use; `StartsBadly`'s on_start failed
            return
        self.refs.append((ref, cls))
        if rng.random() < 0.5:
            self.system.subscribe(ref, rng.choice(["t.a", "t.*", "t.>"]))

    async def step(self) -> None:
        rng = self.rng
        roll = rng.random()
        alive = refs_alive(self.refs)
        if roll < 0.08 or not alive:
            await self.spawn()
            return
        if roll < 0.12:
            routing = rng.choice(ROUTINGS)
            key = repr if routing == "consistent_hash" else None
            pool = await self.system.spawn_pool(
                Member, self.truth, self.gate, size=rng.randint(1, 3), routing=routing,
                mailbox_size=rng.choice([None, 3]), hash_key=key,
            )  # fmt: skip
            self.pools[pool.path] = pool
            self.refs.append((pool, Member))
            return
        ref, cls = rng.choice(alive)
        label = "Pool" if ref.path in self.pools else cls.__name__
        message = rng.choice(["ok", "ok", "hold", ("fail", rng.choice(FAILURES))])
        action = rng.random()
        if action < 0.3:
            self.tell(ref, cls, message)
        elif action < 0.4:
            self.later(ref.send(message))
        elif action < 0.58:
            asking = asyncio.ensure_future(self.ask(ref, message, rng.choice([0.5, 5.0]), label))
            self.background.append(asking)
            if rng.random() < 0.15:
                await asyncio.sleep(0)
                asking.cancel()
        elif action < 0.65:
            self.later(ref.stop(timeout=rng.choice([None, 0.0, 0.5])))
        elif action < 0.72:
            self.gate.open()
        elif action < 0.75 and ref.path in self.pools:
            self.later(self.pools[ref.path].resize(rng.randint(1, 3), timeout=1.0))
        elif action < 0.78:
            self.tell(ref, cls, rng.choice(["selfstop", ("watch", rng.choice(self.refs)[0])]))
        elif action < 0.8:
            spawning = asyncio.ensure_future(self.system.spawn(StartsSlowly, self.truth, self.gate))
            self.background.append(spawning)
            if rng.random() < 0.5:
                await asyncio.sleep(0)
                spawning.cancel()
        elif action < 0.83:
            self.system.schedule_once(rng.choice([0.1, 1.0]), ref, "ok")
        elif action < 0.85:
            self.handles.append(self.system.schedule_every(rng.choice([0.1, 0.7]), ref, "ok"))
            if rng.random() < 0.5:
                self.handles[-1].cancel()
        elif action < 0.88:
            timer = ("timer", rng.randint(0, 2), rng.choice([0.1, 0.7]), rng.random() < 0.5)
            self.tell(ref, cls, timer)
        elif action < 0.92:
            self.delivered += self.system.publish(rng.choice(["t.a", "t.b", "u"]), "ok")
            self.published += 1
        else:
            await self.clock.advance(rng.choice([0.1, 0.6, 2.0]))

    def watch_counters(self, when: str) -> None:
        """No counter, histogram count, bucket or sum goes down between two scrapes."""
        now = scraped(self.system)
        for key, value in now.items():
            if key[0].endswith(COUNTERS) and value < self.last.get(key, 0.0):
                self.broken.append(f"{when}: {key} went down from {self.last[key]} to {value}")
        self.last.update(now)

    async def quiesce(self) -> None:
        """Everything released, every timer's target told to end its own, every background
        call awaited, and the clock past every backoff."""
        self.gate.open()
        for ref, _ in refs_alive(self.refs):
            targets = self.pools[ref.path].members if ref.path in self.pools else [ref]
            for target in targets:
                self.later(target.send("untimer"))
        for _ in range(20):
            self.gate.open()
            await self.clock.advance(3.0)
            if all(work.done() for work in self.background):
                break
        self.gate.open_for_good()
        await asyncio.gather(*self.background, return_exceptions=True)
        await self.clock.advance(10.0)
        await self.clock.settle()

    def class_of(self, path: str | None) -> str | None:
        """The class a dead letter's recipient counts its refusals under: a pool's letters
        are its members'."""
        for pool in self.pools:
            if path is not None and (path == pool or path.startswith(pool + "/")):
                return Member.__name__
        return next((c.__name__ for r, c in self.refs if r.path == path), None)
