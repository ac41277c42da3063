"""The group commit's fallbacks on a scripted transaction, where a real database cannot be made
to lose the same race twice on cue: a rival that always commits first makes its journal's
write fail alone, after the optimistic and the careful batch, and a database error fails every
write of its batch (in retries one write at a time, every write not tried yet)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager

import pytest

from actorkit.persistence import PersistenceConflict, PersistenceError
from actorkit.persistence._batch import Refused, WriteRace
from actorkit.persistence._group_commit import GroupCommit


class Scripted:
    """A journal in a dict; inserting into `contended` always meets a rival's row."""

    def __init__(self) -> None:
        self.committed: dict[str, int] = {}
        self.batches: list[str] = []
        self.broken = False

    @asynccontextmanager
    async def begin(self, alone: bool) -> AsyncIterator[Scripted]:
        self.batches.append("batch")
        staged = dict(self.committed)
        self.staged = staged
        yield self
        if self.broken:
            raise PersistenceError("SQL store: a write failed: disk I/O error")
        self.committed = staged

    async def highest(self, ids: Sequence[str]) -> dict[str, int]:
        self.batches.append("careful")
        return {pid: self.staged[pid] for pid in ids if pid in self.staged}

    async def revisions(self, ids: Sequence[str]) -> dict[str, int]:
        return {}

    def _insert(self, rows: Sequence[tuple[str, int, float, bytes]]) -> None:
        for pid, seq, _, _ in rows:
            if pid == "contended" or self.staged.get(pid, 0) != seq - 1:
                raise WriteRace(f"duplicate key ({pid}, {seq})")
            self.staged[pid] = seq

    async def insert_events(self, rows: Sequence[tuple[str, int, float, bytes]]) -> None:
        self._insert(rows)

    async def insert_if_latest(self, rows: Sequence[tuple[str, int, float, bytes, int]]) -> int:
        self._insert([row[:4] for row in rows])
        return len(rows)

    async def write_states(self, rows: Sequence[tuple[str, int, bytes, int]]) -> None:
        raise AssertionError("no states here")  # pragma: no cover


async def test_a_write_that_keeps_losing_its_race_fails_alone() -> None:
    db = Scripted()
    commits: list[int] = []
    writes = GroupCommit(db.begin, lambda n, seconds: commits.append(n))
    contended, calm = await asyncio.gather(
        writes.append("contended", 0, [b"x"], 1), writes.append("calm", 0, [b"y"], 1),
        return_exceptions=True,
    )  # fmt: skip
    assert isinstance(contended, PersistenceConflict)
    assert "committed first" in str(contended)
    assert isinstance(calm, float)
    assert db.committed == {"calm": 1}
    # optimistic, careful, then each write alone and careful
    assert db.batches == ["batch", "batch", "careful", "batch", "careful", "batch", "careful"]
    assert commits == [1]


async def test_a_lone_write_that_keeps_losing_its_race_is_a_conflict() -> None:
    """Alone in its batch, a lost race is still the write's conflict, not a store failure:
    it is tried once more on its own, as in a batch of many, before it is settled so."""
    db = Scripted()
    writes = GroupCommit(db.begin, lambda n, seconds: None)
    with pytest.raises(PersistenceConflict, match="committed first"):
        await writes.append("contended", 0, [b"x"], 1)
    assert db.batches == ["batch", "batch", "careful", "batch", "careful"]


async def test_a_database_error_fails_every_write_of_the_batch() -> None:
    db = Scripted()
    db.broken = True
    writes = GroupCommit(db.begin, lambda n, seconds: None)
    results = await asyncio.gather(
        *(writes.append(f"w{n}", 0, [b"x"], 1) for n in range(5)), return_exceptions=True
    )
    assert all(isinstance(result, PersistenceError) for result in results)
    assert len({id(result) for result in results}) == 5, "each caller gets its own error"
    assert db.committed == {}
    db.broken = False
    assert isinstance(await writes.append("w0", 0, [b"x"], 1), float)


class Failing(Scripted):
    """Refuses the rows of "refused" as a user's trigger would (`Refused`); those of "slow"
    wait past the store's timeout."""

    def _insert(self, rows: Sequence[tuple[str, int, float, bytes]]) -> None:
        for row in rows:  # in order: the first row that fails fails the statement
            if row[0] == "refused":
                raise Refused("SQL store: a write failed: refused by a trigger")
            if row[0] == "slow":
                raise PersistenceError("SQL store: a write failed: no answer") from TimeoutError()
            super()._insert([row])


@pytest.mark.parametrize("first", ["refused", "contended"])
async def test_a_timeout_in_the_retries_one_write_at_a_time_fails_the_writes_not_tried(
    first: str,
) -> None:
    """After a refusal or a lost race the batch's writes go one transaction each. One that
    fails for the database (a timeout) fails those after it untried: each would otherwise
    wait out its own timeout, one after the other, before its caller heard back."""
    db = Failing()
    writes = GroupCommit(db.begin, lambda n, seconds: None)
    refused, good, slow, last = await asyncio.gather(
        *(writes.append(pid, 0, [b"x"], 1) for pid in (first, "good", "slow", "last")),
        return_exceptions=True,
    )
    assert isinstance(refused, PersistenceError), refused
    assert isinstance(good, float), good
    assert isinstance(slow, PersistenceError) and "no answer" in str(slow), slow
    assert isinstance(last, PersistenceError), last
    assert "not written" in str(last) and "TimeoutError" in str(last), last
    assert db.committed == {"good": 1}


async def test_a_cancelled_write_that_is_still_queued_is_dropped() -> None:
    db = Scripted()
    writes = GroupCommit(db.begin, lambda n, seconds: None)
    first = writes.append("kept", 0, [b"x"], 1)
    dropped = writes.append("dropped", 0, [b"x"], 1)
    dropped.cancel()  # both are queued; the flusher has not run yet
    assert isinstance(await first, float)
    with pytest.raises(asyncio.CancelledError):
        await dropped
    assert db.committed == {"kept": 1}


class Stalled(Scripted):
    """Holds the first transaction of the one-write-at-a-time retries until cancelled."""

    def __init__(self) -> None:
        super().__init__()
        self.stalled = asyncio.Event()

    @asynccontextmanager
    async def begin(self, alone: bool) -> AsyncIterator[Scripted]:
        if len(self.batches) == 3:  # after the optimistic and the careful batch (and its read)
            self.stalled.set()
            await asyncio.Event().wait()
        async with super().begin(alone) as tx:
            yield tx


async def test_a_writer_cancelled_in_its_retries_fails_the_writes_it_had_not_reached() -> None:
    """Only the loop's teardown cancels the writer; no caller of its batch may wait for ever."""
    async with asyncio.timeout(10):
        db = Stalled()
        writes = GroupCommit(db.begin, lambda n, seconds: None)
        contended = writes.append("contended", 0, [b"x"], 1)
        calm = writes.append("calm", 0, [b"y"], 1)
        await db.stalled.wait()
        [flusher] = writes._flushers  # noqa: SLF001 - the loop's teardown, as it would cancel it
        flusher.cancel()
        for future in (contended, calm):
            with pytest.raises(PersistenceError, match="writer"):
                await future
        assert db.committed == {}


class Held(Scripted):
    """Holds each transaction open until `release` is set."""

    def __init__(self) -> None:
        super().__init__()
        self.holding = asyncio.Event()
        self.release = asyncio.Event()

    @asynccontextmanager
    async def begin(self, alone: bool) -> AsyncIterator[Scripted]:
        async with super().begin(alone) as tx:
            self.holding.set()
            await self.release.wait()
            yield tx


async def test_a_cancelled_caller_hears_back_only_once_its_write_is_settled() -> None:
    """What `SQLStore` awaits for a cancelled caller before it reads the store back: a write
    its batch took commits with that batch, so `settled` waits for the batch's end; one no
    batch took is dropped, and `settled` returns at once."""
    async with asyncio.timeout(10):
        db = Held()
        writes = GroupCommit(db.begin, lambda n, seconds: None)
        taken = writes.append("taken", 0, [b"x"], 1)
        await db.holding.wait()
        left = writes.append("left", 0, [b"y"], 1)  # queued behind the batch in flight
        for future in (taken, left):
            future.cancel()  # as a cancelled caller's `await` cancels it
        settling = asyncio.ensure_future(writes.settled())
        await asyncio.sleep(0)
        assert not settling.done()  # the batch that took "taken" has not ended
        db.release.set()
        await settling
        assert db.committed == {"taken": 1}
        await writes.settled()  # nothing in flight: at once
        await writes.drain()
        assert db.committed == {"taken": 1}  # "left" was never written
