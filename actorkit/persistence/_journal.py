"""`python -m actorkit journal STORE_URL PERSISTENCE_ID`: an actor's events, one a line,
with sequence number and commit time, readable without the event classes (`_display`). It
opens the store read-only: a mistyped path or another program's database is left untouched."""

from __future__ import annotations

import asyncio
import os
import sys
from typing import TextIO

from .._errors import PersistenceError
from ._base import check_count, check_id
from ._display import show, stamp
from ._service import guarded
from ._sqlite import SQLiteStore
from ._url import store_from_url


def line(seq: int, time: float, payload: bytes) -> str:
    return f"{seq}\t{stamp(time)}\t{show(payload)}"


async def print_journal(
    url: str, persistence_id: str, from_seq: int = 1, out: TextIO | None = None
) -> int:
    """Exit status: 0 printed (also for an empty journal), 2 bad arguments, 1 store failure."""
    out = out or sys.stdout
    try:
        store = store_from_url(url)
        check_id(persistence_id)
        check_count("--from", from_seq)
    except ValueError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    if isinstance(store, SQLiteStore) and not await asyncio.to_thread(os.path.exists, store.path):
        print(f"error: no SQLite store at {store.path}", file=sys.stderr)
        return 1
    try:
        try:
            await guarded(store.open_read_only(), f"opening {store!r}")
            async for stored in store.read(persistence_id, from_seq):
                print(line(stored.seq, stored.time, stored.payload), file=out)
        finally:
            await store.close()
    except PersistenceError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    except BrokenPipeError:  # `| head`: the reader has seen enough
        os.dup2(os.open(os.devnull, os.O_WRONLY), out.fileno())  # nothing left to flush at exit
    return 0
