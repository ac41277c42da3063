"""A batch retried after a race is judged again from scratch: what the rolled-back attempt
decided about a write (refused, or its outcome) must not outlive that attempt. Scripted
transactions, since a real database cannot be made to change between two attempts on cue."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager

from actorkit.persistence._batch import WriteRace
from actorkit.persistence._group_commit import GroupCommit


class Rival:
    """States in a dict. The first attempt to write them meets a row another process
    committed meanwhile (`WriteRace`); that process saved "s" to revision 1, which the
    retry reads."""

    def __init__(self) -> None:
        self.states: dict[str, int] = {}
        self.attempts = 0

    @asynccontextmanager
    async def begin(self, alone: bool) -> AsyncIterator[Rival]:
        self.attempts += 1
        yield self

    async def highest(self, ids: Sequence[str]) -> dict[str, int]:
        raise AssertionError("no appends here")  # pragma: no cover

    async def revisions(self, ids: Sequence[str]) -> dict[str, int]:
        return {pid: self.states[pid] for pid in ids if pid in self.states}

    async def insert_events(self, rows: Sequence[tuple[str, int, float, bytes]]) -> None:
        raise AssertionError("no appends here")  # pragma: no cover

    async def insert_if_latest(self, rows: Sequence[tuple[str, int, float, bytes, int]]) -> int:
        raise AssertionError("no appends here")  # pragma: no cover

    async def write_states(self, rows: Sequence[tuple[str, int, bytes, int]]) -> None:
        if self.attempts == 1:
            self.states["s"] = 1  # the rival's commit, which refuses this attempt's row
            raise WriteRace("duplicate key (t)")
        for pid, revision, _, read in rows:
            assert self.states.get(pid, 0) == read
            self.states[pid] = revision


async def test_a_write_refused_in_a_rolled_back_attempt_is_judged_again_in_the_retry() -> None:
    """In the first attempt "s" (expected at revision 1) was still at 0: refused. That
    attempt was rolled back; the retry reads revision 1, so the save goes in, and its caller
    must hear that it did, not the refusal of an attempt that never committed."""
    db = Rival()
    writes = GroupCommit(db.begin, lambda n, seconds: None)
    s, t = await asyncio.gather(
        writes.save_state("s", 1, b"s2"), writes.save_state("t", 0, b"t1"), return_exceptions=True
    )
    assert db.attempts == 2
    assert (s, t) == (2, 1)
    assert db.states == {"s": 2, "t": 1}
