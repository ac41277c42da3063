"""Starting many small durable actors: `durable_activate_{sqlite,postgres}[_one_by_one]`.

2,000 `EventSourced` actors, each with 0 to 10 events of 64 bytes, a snapshot every 5 events
and one reminder (due in an hour), are spawned at once (`asyncio.gather`) or one after
another; the figure is actors recovered per second. The baseline is hand-written aiosqlite or
asyncpg code doing the least a recovery needs, one query per read (the snapshot, the events
after it, the reminders) and the codec's decode of each row, at the same concurrency. A
recovery is small here, so its cost is its round trips (thread hops on SQLite): the bench for
`Store.load_recovery`, which reads it all in one query.
"""

from __future__ import annotations

import asyncio
import time
from functools import partial
from typing import Any

import aiosqlite

from actorkit import Actor, ActorSystem
from actorkit._wire import Codec
from actorkit.persistence import EventSourced, MemoryStore, StoredReminder
from actorkit.persistence._payload import encode

from ._harness import Bench, Figures, Metric, Stopwatch
from .persistence import DATABASES, EVENT, Kind, open_store

ACTORS = 2000
SNAPSHOT_EVERY = 5
_SNAPSHOT = "SELECT seq, payload FROM actorkit_snapshots WHERE persistence_id = {0}"
_EVENTS = (
    "SELECT seq, time, payload FROM {table} WHERE persistence_id = {0} AND seq > {1} ORDER BY seq"
)
_REMINDERS = "SELECT key, due, every, payload FROM actorkit_reminders WHERE persistence_id = {0}"


class Small(EventSourced):
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
        return self.count


def events_of(i: int) -> int:
    return i % 11


_databases: dict[tuple[Kind, int], str] = {}


async def database(kind: Kind, n: int) -> str:
    """`n` actors' journals, snapshots and reminders, written once per process."""
    if (kind, n) not in _databases:
        where = DATABASES.where(kind)
        async with open_store(kind, where) as store:
            await fill(store, n)
        _databases[kind, n] = where
    return _databases[kind, n]


async def fill(store: Any, n: int) -> None:
    due = time.time() + 3600
    for i in range(n):
        pid = f"/a{i}"
        if events_of(i):
            await store.append(pid, 0, [EVENT] * events_of(i))
        if events_of(i) >= SNAPSHOT_EVERY:
            await store.save_snapshot(pid, SNAPSHOT_EVERY, encode(SNAPSHOT_EVERY))
        await store.put_reminder(pid, StoredReminder("tick", due, None, encode("tick")))


async def actors(kind: Kind, together: bool, n: int) -> Figures:
    async with ActorSystem("durable-bench", store=open_store(kind, await database(kind, n))) as s:
        spawns = (s.spawn(Small, name=f"a{i}") for i in range(n))
        with Stopwatch() as clock:
            if together:
                refs = await asyncio.gather(*spawns)
            else:
                refs = [await spawn for spawn in spawns]
        assert await refs[7].ask("count") == events_of(7)
    return {"rate": n / clock.seconds}


async def by_hand(kind: Kind, together: bool, n: int) -> Figures:
    where = await database(kind, n)
    codec = Codec()
    if kind == "sqlite":
        conn = await aiosqlite.connect(where, isolation_level=None)
        marks = ("?", "?")

        async def fetch(query: str, *args: object) -> Any:
            return await conn.execute_fetchall(query, args)

        close = conn.close
        table = "actorkit_events"
    else:
        import asyncpg

        pool = await asyncpg.create_pool(where, min_size=8, max_size=8)
        marks = ("$1", "$2")
        fetch = pool.fetch
        close = pool.close
        table = "actorkit_journal"
    snapshot_query, reminders_query = _SNAPSHOT.format(*marks), _REMINDERS.format(*marks)
    events_query = _EVENTS.format(*marks, table=table)

    async def recover(i: int) -> int:
        pid = f"/a{i}"
        rows = await fetch(snapshot_query, pid)
        seq, count = (rows[0][0], codec.decode(rows[0][1])[0]) if rows else (0, 0)
        for row in await fetch(events_query, pid, seq):
            codec.decode(row[2])
            count += 1
        for row in await fetch(reminders_query, pid):
            codec.decode(row[3])
        return int(count)

    try:
        with Stopwatch() as clock:
            if together:
                counts = await asyncio.gather(*(recover(i) for i in range(n)))
            else:
                counts = [await recover(i) for i in range(n)]
        assert counts[7] == events_of(7)
    finally:
        await close()
    return {"rate": n / clock.seconds}


class Plain(Actor):
    """What `Small` is to the runtime without its durability: an actor with an `on_start`."""

    async def on_start(self) -> None:
        pass

    async def receive(self, message: Any) -> Any:
        return 0


async def in_memory(durable: bool, together: bool, n: int) -> Figures:
    """`n` actors spawned on a `MemoryStore` filled as the databases are (untimed)."""
    store = MemoryStore()
    await fill(store, n)
    async with ActorSystem("durable-bench", store=store) as s:
        spawns = (s.spawn(Small if durable else Plain, name=f"a{i}") for i in range(n))
        with Stopwatch() as clock:
            if together:
                refs = await asyncio.gather(*spawns)
            else:
                refs = [await spawn for spawn in spawns]
        assert await refs[7].ask("count") == (events_of(7) if durable else 0)
    return {"rate": n / clock.seconds}


BENCHES = [
    *(
        Bench(
            f"durable_activate_{kind}{'' if together else '_one_by_one'}",
            partial(actors, kind, together),
            partial(by_hand, kind, together),
            (Metric("rate", "actors/s", target=0.5),),
            size=ACTORS,
            quick_size=ACTORS // 4,
            baseline_is="a query per read (snapshot, events, reminders) + codec decode",
            explicit=True,
            min_runs=5,
        )
        for kind in ("sqlite", "postgres")
        for together in (True, False)
    ),
    *(
        Bench(
            f"durable_activate_memory{'' if together else '_one_by_one'}",
            partial(in_memory, True, together),
            partial(in_memory, False, together),
            (Metric("rate", "actors/s"),),
            size=ACTORS,
            quick_size=ACTORS // 4,
            baseline_is="actorkit: spawn of a plain actor with an on_start",
            explicit=True,
            min_runs=5,
        )
        for together in (True, False)
    ),
]
