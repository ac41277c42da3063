"""A durable actor in one OS process (`durable_node`), asked and told over NATS from this
one: slow persists against short asks, the actor moving between processes on one store,
its process killed with asks in flight, and tells it has no room for."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest

from actorkit import ActorStopped, ActorSystem, AskTimeout, NotDelivered
from actorkit.nats import NatsTransport
from actorkit.persistence import PersistenceConflict
from actorkit.persistence._url import store_from_url

from ..nats_support import SAFETY, NatsServer, Node, requires_nats
from ..processes import end
from .conftest import UVLOOP_ONLY
from .durable_node import PERSISTENCE_ID, Add, Added, Remind, Tally
from .postgres_server import PostgresServer

pytestmark = [requires_nats, UVLOOP_ONLY]

ROOT = Path(__file__).resolve().parents[2]
SLACK = 1.0
"""Seconds a failed ask may take past its timeout: a loaded machine, never a hang."""


@asynccontextmanager
async def durable_node(url: str, name: str, store: str) -> AsyncIterator[Node]:
    args = ("-m", "tests.persistence.durable_node", url, name, store)
    proc = await asyncio.create_subprocess_exec(
        sys.executable, *args,
        stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, cwd=ROOT,
    )  # fmt: skip
    running = Node(proc, name)
    try:
        assert await running.line() == {"ready": name}
        yield running
    finally:
        await end(proc)


async def ok(node: Node, cmd: str, **args: Any) -> Any:
    answer = await node.do(cmd, **args)
    assert "ok" in answer, answer
    return answer["ok"]


@asynccontextmanager
async def served(url: str, database: str, **spawn: Any) -> AsyncIterator[tuple[Node, Any]]:
    """Process A with the durable tally spawned, and this process as B: A's node and B's
    remote ref to the tally."""
    async with durable_node(url, "a", database) as a:
        await ok(a, "spawn", **spawn)
        async with ActorSystem("b", transport=NatsTransport(url)) as b:
            yield a, b.remote("a", "/tally")


@pytest.fixture
def database(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A store URL for both processes: a SQLite file, or with `BOTH` a database of the
    session's PostgreSQL server too."""
    if getattr(request, "param", "sqlite") == "sqlite":
        return f"sqlite:///{tmp_path / 'tally.db'}"
    server: PostgresServer = request.getfixturevalue("postgres")
    return server.fresh()


BOTH = pytest.mark.parametrize("database", ["sqlite", "postgres"], indirect=True)


async def journal(database: str) -> list[tuple[int, int]]:
    """`(seq, id)` of each event of the tally's journal, every one an `Added`."""
    rows = []
    async with store_from_url(database) as store:
        async for seq, _, event in store.events(PERSISTENCE_ID):
            assert isinstance(event, Added), event
            rows.append((seq, event.id))
    return rows


async def timed_ask(ref: Any, message: object, timeout: float) -> tuple[Any, float]:
    """The answer (or the error) and how long it took."""
    loop = asyncio.get_running_loop()
    start = loop.time()
    try:
        answer: Any = await ref.ask(message, timeout=timeout)
    except Exception as error:
        answer = error
    return answer, loop.time() - start


async def test_a_short_ask_times_out_on_a_slow_persist_and_its_retry_applies_once(
    server: NatsServer, database: str
) -> None:
    async with served(server.url, database) as (a, tally):
        assert (await tally.ask(Add(1), timeout=SAFETY))["ids"] == [1]
        await ok(a, "hold")
        answer, took = await timed_ask(tally, Add(2), timeout=0.3)
        assert isinstance(answer, AskTimeout) and took < 0.3 + SLACK
        await ok(a, "held")  # the write is in flight in A, its caller gone
        retry = asyncio.ensure_future(tally.ask(Add(2), timeout=SAFETY))
        await ok(a, "release")
        assert (await retry)["ids"] == [1, 2]  # the handler knew id 2 by then
    assert await journal(database) == [(1, 1), (2, 2)]


class Moved(Tally):
    """`Tally` in this process, saying when a reminder reaches it."""

    pinged = asyncio.Event()

    async def receive(self, message: Any) -> Any:
        answer = await super().receive(message)
        if message == "ping":
            Moved.pinged.set()
        return answer


@BOTH
async def test_the_actor_moves_to_another_process_with_its_events_and_reminders(
    server: NatsServer, database: str
) -> None:
    Moved.pinged = asyncio.Event()
    async with served(server.url, database) as (a, remote):
        for i in (1, 2, 3):
            await remote.ask(Add(i), timeout=SAFETY)
        await remote.ask(Remind(delay=0.2), timeout=SAFETY)
        await ok(a, "stop")
        async with ActorSystem("b2", store=store_from_url(database)) as there:
            moved = await there.spawn(Moved, name="tally", persistence_id=PERSISTENCE_ID)
            assert (await moved.ask("state"))["ids"] == [1, 2, 3]
            async with asyncio.timeout(SAFETY):
                await Moved.pinged.wait()  # armed here, from A's store row
            # A second live instance in A: its write, held past the mover's, is refused.
            await ok(a, "spawn")
            await ok(a, "hold")
            late = asyncio.ensure_future(remote.ask(Add(4), timeout=SAFETY))
            await ok(a, "held")
            assert (await moved.ask(Add(5)))["ids"] == [1, 2, 3, 5]
            await ok(a, "release")
            with pytest.raises(PersistenceConflict):
                await late
    assert await journal(database) == [(1, 1), (2, 2), (3, 3), (4, 5)]


async def test_asks_in_flight_when_the_actor_s_process_is_killed_fail_in_time(
    server: NatsServer, database: str
) -> None:
    answered: set[int] = set()
    failed: dict[int, Exception] = {}
    enough = asyncio.Event()
    late: list[float] = []

    async def client(ref: Any, first: int) -> None:
        for i in range(first, first + 10_000):
            answer, took = await timed_ask(ref, Add(i), timeout=0.5)
            if isinstance(answer, Exception):
                failed[i] = answer
                if took > 0.5 + SLACK:
                    late.append(took)
                return
            answered.add(i)
            if len(answered) >= 20:
                enough.set()

    async with served(server.url, database) as (a, tally):
        clients = [asyncio.ensure_future(client(tally, c * 100_000)) for c in range(4)]
        try:
            async with asyncio.timeout(SAFETY):
                await enough.wait()
                a.process.kill()
                await asyncio.gather(*clients)
        finally:
            for task in clients:
                task.cancel()
    assert late == [], "an ask outlived its timeout"
    async with ActorSystem("a", store=store_from_url(database)) as again:
        tally = await again.spawn(Tally, name="tally", persistence_id=PERSISTENCE_ID)
        ids = (await tally.ask("state"))["ids"]
    rows = await journal(database)
    assert [seq for seq, _ in rows] == list(range(1, len(rows) + 1)), "a gap"
    assert [i for _, i in rows] == ids and len(set(ids)) == len(ids), "a duplicate"
    assert answered <= set(ids), "an answered ask's event was lost"
    assert set(ids) - answered <= set(failed), "an event no ask asked for"
    assert all(isinstance(error, (AskTimeout, ActorStopped)) for error in failed.values())
    certain = {i for i, error in failed.items() if isinstance(error, NotDelivered)}
    assert not certain & set(ids), "an ask called not delivered was handled"


async def test_remote_tells_beyond_a_full_mailbox_are_dead_letters(
    server: NatsServer, database: str
) -> None:
    async with served(server.url, database, mailbox_size=2) as (a, tally):
        await ok(a, "hold")
        tally.tell(Add(0))
        await ok(a, "held")  # handling Add(0), persisting; the mailbox is empty
        for i in range(1, 11):
            tally.tell(Add(i))
        # Behind the tells on the same subject: once it fails, they were all handled.
        answer, _ = await timed_ask(tally, "state", timeout=0.3)
        assert isinstance(answer, AskTimeout)
        assert (await ok(a, "dead")).get("mailbox_full") == 8
        await ok(a, "release")
        assert (await ok(a, "state"))["ids"] == [0, 1, 2]


async def test_remote_tells_during_a_recovery_wait_and_are_processed(
    server: NatsServer, database: str
) -> None:
    async with served(server.url, database) as (a, tally):
        await tally.ask(Add(0), timeout=SAFETY)
        await ok(a, "hold", call="load_recovery")
        await ok(a, "crash")
        await ok(a, "held")  # the restart's recovery waits on the store
        for i in range(1, 6):
            tally.tell(Add(i))
        answer, _ = await timed_ask(tally, "state", timeout=0.3)
        assert isinstance(answer, AskTimeout)  # queued behind the tells, as they are
        await ok(a, "release")
        answer = await tally.ask("state", timeout=SAFETY)
        assert answer["ids"] == [0, 1, 2, 3, 4, 5]
        assert await ok(a, "dead") == {}


async def test_remote_messages_to_a_durable_actor_stopping_mid_persist(
    server: NatsServer, database: str
) -> None:
    async with served(server.url, database) as (a, tally):
        await ok(a, "hold")
        first = asyncio.ensure_future(tally.ask(Add(1), timeout=SAFETY))
        await ok(a, "held")
        queued = asyncio.ensure_future(tally.ask(Add(2), timeout=SAFETY))
        tally.tell(Add(3))
        answer, _ = await timed_ask(tally, "state", timeout=0.3)
        assert isinstance(answer, AskTimeout)  # all three wait behind the persist
        await ok(a, "stop", wait=False)
        tally.tell(Add(4))  # while it stops, or after: a dead letter either way
        await ok(a, "release")
        await ok(a, "stopped")
        assert (await first)["ids"] == [1]  # the message in hand finishes
        with pytest.raises(NotDelivered):
            await queued
        dead = await ok(a, "dead")
        # Add(3), Add(4) and `queued`'s Add(2) at the close (its asker told `NotDelivered`
        # above counts it too); the "state" ask its asker gave up on leaves the queue at its
        # deadline there, 0.3 s after it was sent, withdrawn and no dead letter, unless the
        # stop, sent right after the asker's own 0.3 s, closed the mailbox first: a race of
        # two clocks, so three or four.
        assert set(dead) <= {"stopping", "not_exposed"} and 3 <= sum(dead.values()) <= 4, dead
    assert await journal(database) == [(1, 1)]


async def test_a_stale_instance_s_write_that_lands_first_fences_the_other(
    server: NatsServer, database: str
) -> None:
    async with served(server.url, database) as (a, remote):
        await remote.ask(Add(1), timeout=SAFETY)
        await ok(a, "hold")
        late = asyncio.ensure_future(remote.ask(Add(2), timeout=SAFETY))
        await ok(a, "held")
        async with ActorSystem("b2", store=store_from_url(database)) as there:
            moved = await there.spawn(Tally, name="tally", persistence_id=PERSISTENCE_ID)
            assert (await moved.ask("state"))["ids"] == [1]
            await ok(a, "release")
            assert (await late)["ids"] == [1, 2]
            with pytest.raises(PersistenceConflict):
                await moved.ask(Add(3))
            # restarted by its supervisor: it recovered the other's event first
            assert (await moved.ask(Add(3)))["ids"] == [1, 2, 3]
    assert await journal(database) == [(1, 1), (2, 2), (3, 3)]
