"""Two OS processes on one database, shared by the SQLite and PostgreSQL fencing tests."""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path

from actorkit.persistence._url import store_from_url
from tests.processes import communicate

ROOT = Path(__file__).resolve().parents[2]


async def run_writer(*args: str) -> str:
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "tests.persistence.writer", *args,
        cwd=ROOT, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    out, err = await communicate(proc)
    assert proc.returncode == 0, err.decode()
    return out.decode().strip()


async def a_second_process_with_a_stale_view_is_refused(url: str) -> None:
    assert await run_writer(url, "fenced", "1", "first", "--expected", "0") == "ok"
    assert await run_writer(url, "fenced", "1", "second", "--expected", "0") == "conflict"
    assert await run_writer(url, "fenced", "1", "third", "--expected", "1") == "ok"
    async with store_from_url(url) as store:
        assert [e.payload async for e in store.read("fenced")] == [b"first", b"third"]


async def two_processes_never_interleave(url: str, count: int = 60) -> None:
    results = await asyncio.gather(
        run_writer(url, "storm", str(count), "a"), run_writer(url, "storm", str(count), "b")
    )
    tallies = [json.loads(result) for result in results]
    for tally in tallies:
        assert tally["written"] + tally["conflicts"] == count
    async with store_from_url(url) as store:
        events = [(e.seq, e.payload) async for e in store.read("storm")]
    assert [seq for seq, _ in events] == list(range(1, len(events) + 1))
    assert len(events) == 2 * sum(tally["written"] for tally in tallies)
    pairs = list(zip(events[::2], events[1::2], strict=True))
    assert all(first[1] == second[1] for first, second in pairs), "an append was interleaved"
    assert len({payload for _, payload in events}) == len(pairs), "an append was written twice"
