"""Group commit and fencing between store objects, on both SQL stores: writes waiting together
share one transaction, each returns after the commit that carried it, and two store objects
on one database (two systems, a split brain) cannot interleave a journal. A caller cancelled
twice while its batch commits hears back only after that batch (MemoryStore's writes never
wait, so no cancellation lands inside one there)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import pytest

from actorkit.persistence import PersistenceConflict, PersistenceError, Store, StoredReminder
from actorkit.persistence import _group_commit as group_commit
from actorkit.persistence._sql_store import SQLStore

from .conftest import MakeSQLStore


async def test_concurrent_writes_share_commits_and_return_after_theirs(
    make_sql_store: MakeSQLStore,
) -> None:
    commits: list[tuple[int, float]] = []
    async with make_sql_store() as store, make_sql_store() as other:
        store.on_commit = lambda writes, seconds: commits.append((writes, seconds))

        async def write(n: int) -> None:
            await store.append(f"w{n}", 0, [b"event"])
            # another connection sees it: the commit happened before append returned
            assert await other.highest_seq(f"w{n}") == 1

        await asyncio.gather(*(write(n) for n in range(200)))
        await asyncio.gather(*(store.save_state(f"s{n}", 0, b"state") for n in range(50)))
    assert sum(writes for writes, _ in commits) == 250
    assert len(commits) < 250 / 10
    assert all(seconds >= 0 for _, seconds in commits)


async def test_each_kind_of_write_shares_a_batch(make_sql_store: MakeSQLStore) -> None:
    commits: list[int] = []
    async with make_sql_store() as store:
        await store.append("conflicting", 0, [b"x"])
        store.on_commit = lambda writes, seconds: commits.append(writes)
        results = await asyncio.gather(
            store.append("a", 0, [b"1"]),
            store.append("conflicting", 0, [b"never"]),
            store.append("a", 1, [b"2"]),
            store.save_state("s", 0, b"one"),
            store.save_state("s", 1, b"two"),
            store.save_state("s", 1, b"stale"),
            store.save_snapshot("a", 2, b"snap"),
            store.put_reminder("a", StoredReminder("r", 1.0, None, b"m")),
            return_exceptions=True,
        )
        assert commits == [8]
        assert [type(result) for result in results] == [
            float, PersistenceConflict, float, int, int, PersistenceConflict, type(None),
            type(None),
        ]  # fmt: skip
        assert [e.payload async for e in store.read("a")] == [b"1", b"2"]
        assert [e.payload async for e in store.read("conflicting")] == [b"x"]
        state = await store.load_state("s")
        assert state is not None and (state.revision, state.payload) == (2, b"two")
        assert await store.delete_reminder("a", "r") is True


async def test_two_store_objects_on_one_database_are_fenced(make_sql_store: MakeSQLStore) -> None:
    async with make_sql_store() as first, make_sql_store() as second:
        await first.append("acct", 0, [b"first"])
        with pytest.raises(PersistenceConflict):
            await second.append("acct", 0, [b"split brain"])
        await second.append("acct", 1, [b"second"])
        with pytest.raises(PersistenceConflict):
            await first.append("acct", 1, [b"stale"])
        assert await first.save_state("s", 0, b"a") == 1
        with pytest.raises(PersistenceConflict):
            await second.save_state("s", 0, b"b")
        assert [e.payload async for e in first.read("acct")] == [b"first", b"second"]


async def test_two_store_objects_creating_one_state_never_both_win(
    make_sql_store: MakeSQLStore,
) -> None:
    """A state never saved has no row to lock: each batch reads revision 0 for all of them,
    and the one that commits second must be refused, not overwrite the first."""
    async with make_sql_store() as first, make_sql_store() as second:
        for round_ in range(5):
            ids = [f"new{round_}-{n}" for n in range(50)]
            results = await asyncio.gather(
                *(first.save_state(pid, 0, b"first") for pid in ids),
                *(second.save_state(pid, 0, b"second") for pid in ids),
                return_exceptions=True,
            )
            for n, pid in enumerate(ids):
                mine, theirs = results[n], results[n + len(ids)]
                outcomes = sorted(type(result).__name__ for result in (mine, theirs))
                assert outcomes == ["PersistenceConflict", "int"], (pid, mine, theirs)
                state = await first.load_state(pid)
                assert state is not None
                assert state.payload == (b"first" if mine == 1 else b"second"), pid


async def test_one_batch_mixes_journals_the_store_knows_and_journals_it_does_not(
    make_sql_store: MakeSQLStore,
) -> None:
    """Rows of journals this store wrote last go in with a plain insert, the others with
    their check, in one transaction; a stale write of either kind fails alone."""
    async with make_sql_store() as store, make_sql_store() as other:
        await store.append("known", 0, [b"k1"])
        await store.append("overtaken", 0, [b"o1"])
        await other.append("overtaken", 1, [b"rival"])  # behind the first store's back
        await other.append("foreign", 0, [b"f1"])
        await other.append("stale", 0, [b"s1", b"s2"])
        commits: list[int] = []
        store.on_commit = lambda writes, seconds: commits.append(writes)
        results = await asyncio.gather(
            store.append("known", 1, [b"k2", b"k3"]),
            store.append("foreign", 1, [b"f2"]),
            store.append("stale", 1, [b"never"]),
            store.append("overtaken", 1, [b"never"]),
            return_exceptions=True,
        )
        assert [type(result) for result in results] == [
            float, float, PersistenceConflict, PersistenceConflict,
        ]  # fmt: skip
        assert commits == [4]
        expected = {
            "known": [b"k1", b"k2", b"k3"],
            "foreign": [b"f1", b"f2"],
            "stale": [b"s1", b"s2"],
            "overtaken": [b"o1", b"rival"],
        }
        for pid, payloads in expected.items():
            assert [e.payload async for e in other.read(pid)] == payloads, pid
        assert isinstance(await store.append("overtaken", 2, [b"o3"]), float)
        assert isinstance(await store.append("known", 3, [b"k4"]), float)


async def test_racing_store_objects_never_interleave(make_sql_store: MakeSQLStore) -> None:
    async with make_sql_store() as first, make_sql_store() as second:
        for round_ in range(20):
            seq = await first.highest_seq("race")
            results = await asyncio.gather(
                first.append("race", seq, [b"first", b"first"]),
                second.append("race", seq, [b"second", b"second"]),
                return_exceptions=True,
            )
            assert sorted(type(r).__name__ for r in results) == [
                "PersistenceConflict",
                "float",
            ], round_
        payloads = [e.payload async for e in first.read("race")]
    assert len(payloads) == 40
    assert all(payloads[i] == payloads[i + 1] for i in range(0, 40, 2))


async def test_writes_after_close_are_refused_and_close_waits_for_writes(
    make_sql_store: MakeSQLStore,
) -> None:
    store = make_sql_store()
    await store.open()
    *results, _ = await asyncio.gather(  # the appends are queued before close starts
        *(store.append(f"c{n}", 0, [b"x"]) for n in range(20)), store.close()
    )
    assert all(isinstance(result, float) for result in results)
    with pytest.raises(PersistenceError, match="closed"):
        await store.append("late", 0, [b"x"])
    with pytest.raises(PersistenceError, match="closed"):
        await store.open()


async def test_a_close_during_open_leaves_the_store_closed(make_sql_store: MakeSQLStore) -> None:
    """The first open finishes connecting, then the close closes what it connected; the
    second open, which waited for the first, finds the store closed."""
    store = make_sql_store()
    async with asyncio.timeout(30):
        opening = asyncio.gather(store.open(), store.open(), return_exceptions=True)
        await asyncio.sleep(0)  # both opens have started, the first is connecting
        await store.close()
        first, second = await opening
        assert first is None
        assert isinstance(second, PersistenceError)
        assert "closed" in str(second)
        with pytest.raises(PersistenceError, match="closed"):
            await store.append("late", 0, [b"x"])
        with pytest.raises(PersistenceError, match="closed"):
            await store.highest_seq("late")


class Gate:
    """A write of the test's own in a batch: the batch's transaction waits at it until
    `release` is set."""

    def __init__(self) -> None:
        self.entered = asyncio.Event()
        self.release = asyncio.Event()

    async def __call__(self, tx: object) -> None:
        self.entered.set()
        await self.release.wait()


async def contents(store: Store) -> tuple[object, ...]:
    events = [e.payload async for e in store.read("a")]
    state, snapshot = await store.load_state("s"), await store.load_snapshot("a")
    return events, state, snapshot, await store.reminders("a")


WRITES: dict[str, Callable[[Store], Awaitable[object]]] = {
    "append": lambda store: store.append("a", 1, [b"2"]),
    "save_state": lambda store: store.save_state("s", 0, b"state"),
    "save_snapshot": lambda store: store.save_snapshot("a", 1, b"snapshot"),
    "put_reminder": lambda store: store.put_reminder("a", StoredReminder("r", 1.0, None, b"m")),
    "delete_reminder": lambda store: store.delete_reminder("a", "old"),
}


@pytest.mark.parametrize("write", WRITES)
async def test_a_write_cancelled_twice_raises_only_once_its_batch_has_ended(
    make_sql_store: MakeSQLStore, write: str
) -> None:
    """A timeout around a timeout: the caller is cancelled while its batch commits, and again
    while it waits for that batch's end. It raises only after the end all the same, so what
    it reads then is what the store keeps (the Store protocol's promise, on which a cancelled
    durable actor's read-back rests)."""
    async with asyncio.timeout(20), make_sql_store() as store:
        assert isinstance(store, SQLStore)
        await store.append("a", 0, [b"1"])
        await store.put_reminder("a", StoredReminder("old", 1.0, None, b"m"))
        before = await contents(store)
        writes = store._commits  # noqa: SLF001 - a write of the test's own in its batches
        assert writes is not None
        first, second = Gate(), Gate()
        journal = "s" if write == "save_state" else "a"  # so a batch beside can't take it
        writes.other(journal, first)
        await first.entered.wait()  # a batch in flight: what comes now waits for the next
        writes.other(journal, second)

        async def caller() -> tuple[bool, tuple[object, ...]]:
            try:
                await WRITES[write](store)
            except asyncio.CancelledError:
                return second.release.is_set(), await contents(store)
            raise AssertionError("not cancelled")

        task = asyncio.create_task(caller())
        first.release.set()  # the next batch takes the write, and `second`
        await second.entered.wait()
        loop = asyncio.get_running_loop()
        task.cancel()
        # Callbacks run in order: cancelled again once it waits for the batch's end, and the
        # batch released only after the task has taken that second cancellation.
        loop.call_soon(task.cancel)
        loop.call_soon(loop.call_soon, second.release.set)
        released, seen = await task
        assert released, "the cancelled write raised while its batch was still in flight"
        assert seen == await contents(store)
        assert seen != before  # its batch had taken it: committed


async def test_journals_past_the_remembered_heads_are_still_fenced(
    make_sql_store: MakeSQLStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The store remembers the latest sequence number of its `KNOWN_HEADS` most recently
    written journals only (the rest take the checked insert): the table stays at that size,
    and a rival's write to a forgotten journal or to a remembered one is refused alike."""
    monkeypatch.setattr(group_commit, "KNOWN_HEADS", 4)
    async with make_sql_store() as store, make_sql_store() as rival:
        for n in range(10):
            await store.append(f"j{n}", 0, [b"1"])
        assert len(store._commits._heads) == 4  # type: ignore[union-attr]  # noqa: SLF001
        await rival.append("j0", 1, [b"rival"])  # forgotten here
        await rival.append("j9", 1, [b"rival"])  # remembered here
        for journal in ("j0", "j9"):
            with pytest.raises(PersistenceConflict):
                await store.append(journal, 1, [b"stale"])
            await store.append(journal, 2, [b"3"])
            assert [e.payload async for e in store.read(journal)] == [b"1", b"rival", b"3"]
