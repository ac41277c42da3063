"""Durable actors: the issue's persistence targets measured through `EventSourced` actors, as
a user runs them, against the same hand-written aiosqlite and asyncpg baselines as the
stores' own benches (`persistence`), 64-byte events, SQLite WAL with `synchronous=FULL`.

- `durable_{sqlite,postgres}_naive` / `_grouped`: 100 actors, each persisting its events one
  after another in its handler (as each hand-written writer awaits its writes one after
  another), against each event in its own transaction (target >= 10x) and against a
  hand-written group-commit flusher (target >= 0.7x);
- `durable_{sqlite,postgres}_sequential`: one actor, against an awaited INSERT + COMMIT per
  event (target >= 0.8x);
- `durable_recover_{sqlite,postgres}`: `spawn` of an actor whose journal holds 100,000 events
  (no snapshot), against one SELECT and the codec's decode of each row (target >= 0.5x);
- `durable_snapshot_recovery`: recoveries per second of an actor with a snapshot every 1,000
  events and 100,000 events of history, against the same with 1,000 (target >= 0.8x:
  recovery time independent of history length);
- `durable_activate_*` (`durable_many`): 2,000 small actors, each with a few events, a
  snapshot and a reminder, spawned at once or one by one, against a query per read by hand;
  `durable_activate_memory*` the same on a `MemoryStore`, against plain spawns: the runtime's
  own cost of a recovery.

Only with `--only durable` (or a bench's name).
"""

from __future__ import annotations

import asyncio
from functools import partial
from typing import Any

from actorkit import ActorSystem
from actorkit.persistence import EventSourced
from actorkit.persistence._payload import encode

from ._harness import Bench, Figures, Metric, Stopwatch
from .durable_many import BENCHES as ACTIVATIONS
from .persistence import (
    DATABASES,
    EVENT,
    Kind,
    Recorded,
    benches,
    journal,
    open_store,
    rate,
)

GROUP = "durable"
SNAPSHOT_EVERY = 1000
RECOVERIES = 1000
"""A recovery takes about 0.2 ms, two reads through aiosqlite's thread, whose wake-ups a
loaded machine delays: a side needs this many, and seven runs (`min_runs`), for its median
ratio to stand (benchmarks/RESULTS.md, "The snapshot recovery, measured again")."""


class Writer(EventSourced):
    snapshot_every = SNAPSHOT_EVERY

    def __init__(self) -> None:
        self.count = 0

    def apply(self, event: Any) -> None:
        self.count += 1

    def snapshot(self) -> object:
        return self.count

    def restore(self, snapshot: Any) -> None:
        self.count = snapshot

    async def receive(self, message: Any) -> Any:
        if type(message) is int:  # a run of events, persisted one after another
            for _ in range(message):
                await self.persist(Recorded(b"x" * 36))
        return self.count


async def actor_writers(kind: Kind, writers: int, n: int) -> Figures:
    per_writer = n // writers
    async with ActorSystem("durable-bench", store=open_store(kind)) as system:
        actors = [await system.spawn(Writer, name=f"w{i}") for i in range(writers)]

        with Stopwatch() as clock:
            await asyncio.gather(*(actor.ask(per_writer, timeout=600.0) for actor in actors))
        assert await actors[0].ask("count") == per_writer
    return rate(writers * per_writer, clock.seconds)


async def actor_recovery(kind: Kind, n: int) -> Figures:
    async with ActorSystem("durable-bench", store=open_store(kind, await journal(kind, n))) as s:
        with Stopwatch() as clock:
            actor = await s.spawn(Writer, name="w", persistence_id="long")
        assert await actor.ask("count") == n
    return rate(n, clock.seconds)


async def snapshot_recovery(history: int, n: int) -> Figures:
    """Recoveries per second of an actor with `history` events and a snapshot at the last
    multiple of `SNAPSHOT_EVERY` (written directly: building it through asks is not timed)."""
    where = DATABASES.where("sqlite")
    async with open_store("sqlite", where) as store:
        for seq in range(0, history, 1000):
            await store.append("snap", seq, [EVENT] * min(1000, history - seq))
        at = history // SNAPSHOT_EVERY * SNAPSHOT_EVERY
        await store.save_snapshot("snap", at, encode(at))
    async with ActorSystem("durable-bench", store=open_store("sqlite", where)) as system:
        with Stopwatch() as clock:
            for _ in range(RECOVERIES):
                actor = await system.spawn(Writer, name="w", persistence_id="snap")
                await actor.stop()
    return {"rate": RECOVERIES / clock.seconds}


BENCHES = benches("durable_", actor_writers, actor_recovery, "durable_recover_")
BENCHES.append(
    Bench(
        "durable_snapshot_recovery",
        partial(snapshot_recovery, 100_000),
        partial(snapshot_recovery, 1_000),
        (Metric("rate", "recoveries/s", target=0.8),),
        size=RECOVERIES,
        quick_size=RECOVERIES,
        baseline_is="the same recovery with 1,000 events of history",
        explicit=True,
        min_runs=11,  # its sides differ by no work at all: the median of many runs shows it
    )
)
BENCHES += ACTIVATIONS
