"""A pool of durable actors on a SQLite file, exposed in a NATS queue group and asked from
another system while faults hit it: the serving system shut down mid-flood (its asks on
their way, then all of them taken) and a new one serving the group from the same file, then
the nats-server restarted. What each ask was told must match the journal: an answered ask's
event is there, a `NotDelivered` one's is not, and every ask ends within its timeout."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path

from actorkit import ActorStopped, ActorSystem, AskTimeout, NotDelivered
from actorkit.persistence import SQLiteStore

from .nats_support import SAFETY, NatsServer, requires_nats, transport
from .persistence.durable_node import Add, Added, Tally

pytestmark = requires_nats

TIMEOUT = 1.0
SLACK = 1.0
"""Seconds a failed ask may take past its timeout: a loaded machine, never a hang."""
MEMBERS = 2


async def serve(server: NatsServer, database: Path) -> ActorSystem:
    """System `a` serving the group `tallies` with a durable pool on `database`."""
    link = transport(server)
    system = ActorSystem("a", transport=link, store=SQLiteStore(database))
    await system.start()
    pool = await system.spawn_pool(Tally, size=MEMBERS, name="pool")
    system.expose(pool, group="tallies")
    await link.flush(timeout=SAFETY)
    return system


async def journal(database: Path) -> list[int]:
    ids: list[int] = []
    async with SQLiteStore(database) as store:
        for member in range(MEMBERS):
            async for _, _, event in store.events(f"/pool/{member}"):
                assert isinstance(event, Added), event
                ids.append(event.id)
    return ids


async def test_asks_to_a_durable_group_match_its_journal_through_restarts(
    own: NatsServer, tmp_path: Path
) -> None:
    database = tmp_path / "tally.db"
    answered: set[int] = set()
    failed: dict[int, Exception] = {}
    late: list[float] = []
    loop = asyncio.get_running_loop()

    async with ActorSystem("b", transport=transport(own)) as b:
        group = b.remote_group("tallies")

        async def one(i: int, enough: asyncio.Event, threshold: int) -> None:
            start = loop.time()
            try:
                await group.ask(Add(i), timeout=TIMEOUT)
            except Exception as error:
                failed[i] = error
            else:
                answered.add(i)
                if len(answered) >= threshold:
                    enough.set()
            if loop.time() - start > TIMEOUT + SLACK:
                late.append(loop.time() - start)

        async def flood(
            first: int, count: int, after: int, fault: Callable[[], Awaitable[None]]
        ) -> None:
            """`count` asks at once; `fault` strikes once `after` of them were answered (at
            once for 0: while they are on their way)."""
            enough, threshold = asyncio.Event(), len(answered) + after
            if after == 0:
                enough.set()
            asks = [
                asyncio.ensure_future(one(i, enough, threshold))
                for i in range(first, first + count)
            ]
            async with asyncio.timeout(SAFETY):
                await enough.wait()
                await fault()
                await asyncio.gather(*asks)

        serving = [await serve(own, database)]

        async def serve_again() -> None:
            await serving[-1].shutdown()
            serving.append(await serve(own, database))

        try:
            await flood(0, 1000, 0, serve_again)  # refused on their way: `NotDelivered`
            await flood(1000, 2000, 1, serve_again)  # all taken, handled past their timeout
            await flood(3000, 400, 50, lambda: asyncio.to_thread(own.restart))
        finally:
            await serving[-1].shutdown()

    ids = await journal(database)
    assert late == [], "an ask outlived its timeout"
    assert len(set(ids)) == len(ids), "a duplicate"
    assert answered <= set(ids), "an answered ask's event was lost"
    assert set(ids) - answered <= set(failed), "an event no ask asked for"
    assert all(isinstance(error, (AskTimeout, ActorStopped)) for error in failed.values())
    certain = {i for i, error in failed.items() if isinstance(error, NotDelivered)}
    assert not certain & set(ids), "an ask called not delivered was handled"
