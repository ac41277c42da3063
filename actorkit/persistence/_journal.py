"""`python -m actorkit journal STORE_URL PERSISTENCE_ID`: an actor's events, one a line,
with sequence number and commit time, readable without the event classes (`_display`); a
durable state's revision and value. It opens the store read-only: a mistyped path or another
program's database is left untouched."""

from __future__ import annotations

import os
import reprlib
import stat
import sys
from typing import Any, TextIO

from .._cli_errors import BAD_ARGUMENTS, CommandError, fail, silenced, unwritable
from .._errors import PersistenceError
from .._shown import shown
from .._thread_turns import to_thread
from ._base import MAX_SEQ, check_id
from ._display import show, stamp
from ._service import guarded
from ._sql_store import SQLStore
from ._sqlite import SQLiteStore
from ._sqlite_db import directory_problem
from ._store import StoredReminder
from ._url import store_from_url

NOTHING_STORED = 3
"""The exit status for a persistence id with no events and no state in the store."""
_SHOWN = 3
"""Reminders named in the error for an id that holds only reminders."""


def line(seq: int, time: float, payload: bytes) -> str:
    return f"{seq}\t{stamp(time)}\t{show(payload)}"


def _check_from(from_seq: object) -> None:
    if type(from_seq) is not int or not 1 <= from_seq <= MAX_SEQ:
        raise ValueError(f"--from must be a sequence number from 1 to 2**63 - 1, got {from_seq}")


def _not_a_file(path: str) -> str | None:
    """Why `path` cannot be a SQLite store, for what is already known without opening it."""
    problem = directory_problem(path, "sqlite:///")
    if problem is not None:
        return problem
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        return f"no SQLite store at {path}"
    except OSError as error:  # not `os.path.exists`: it calls a permission problem missing
        return f"cannot read {path}: {error.strerror}"
    if not stat.S_ISREG(mode):  # opening a FIFO waits for a writer that may never come
        return f"{path} is not a regular file: pass the store's database file"
    return None


async def print_journal(
    url: str, persistence_id: str, from_seq: int = 1, out: TextIO | None = None
) -> int:
    """Exit status: 0 printed (also for a journal with no events from `from_seq` on), 1 store
    failure or output that cannot be written, 2 bad arguments (`from_seq` past 1 on a durable
    state's id among them), 3 (`NOTHING_STORED`) no events and no state under the id."""
    out = out or sys.stdout
    try:
        store = store_from_url(url)
        check_id(persistence_id)
        _check_from(from_seq)
    except ValueError as error:
        return fail("journal", str(error), BAD_ARGUMENTS)
    if isinstance(store, SQLiteStore):
        problem = await to_thread(_not_a_file, store.path)
        if problem is not None:
            return fail("journal", problem)
    try:
        try:
            await guarded(store.open_read_only(), f"opening {shown(store)}")
            status = await _print(store, persistence_id, from_seq, out)
            _written(out)  # here, not at exit: a reader gone by now is caught below
            return status
        finally:
            await store.close()
    except PersistenceError as error:
        return fail("journal", str(error))
    except CommandError as error:  # the output
        return fail("journal", str(error), error.status)
    except BrokenPipeError:  # `| head`: the reader has seen enough
        silenced(out)  # nothing left to flush at exit
        return 0


def _written(out: TextIO, line: str | None = None) -> None:
    """`line` printed, or what is buffered flushed: a `BrokenPipeError` as it comes (the
    reader has gone), any other failure (a full disk) as the command's error."""
    try:
        if line is None:
            out.flush()
        else:
            print(line, file=out)
    except BrokenPipeError:
        raise
    except OSError as error:
        raise unwritable(out, error) from None


async def _print(store: SQLStore[Any], persistence_id: str, from_seq: int, out: TextIO) -> int:
    """The events from `from_seq` to the last committed as it starts: a running system may
    append faster than they print, and a reader that followed them would never end. Without
    events, a DurableState's state, or why nothing."""
    last = await store.highest_seq(persistence_id)
    if last:
        async for stored in store.read(persistence_id, from_seq):  # a page at a time
            if stored.seq > last:
                break
            _written(out, line(stored.seq, stored.time, stored.payload))
        return 0
    state = await store.load_state(persistence_id)
    where = f"SQLite store {store.path}" if isinstance(store, SQLiteStore) else repr(store)
    if state is not None and from_seq > 1:  # printed, its line would read as news each poll
        return fail(
            "journal",
            f"{where} holds a DurableState's state under {persistence_id!r} (revision "
            f"{state.revision}), not events, which --from numbers: run the command "
            "without --from to print the state",
            BAD_ARGUMENTS,
        )
    if state is not None:
        _written(out, f"revision {state.revision}\t{show(state.payload)}")
        return 0
    missing = f"{where} holds no events and no state under {persistence_id!r}"
    snapshot = await store.load_snapshot(persistence_id)
    if snapshot is not None:  # the id is right, and its journal gone: not a typo either
        return fail(
            "journal",
            f"{missing}, only a snapshot at sequence number {snapshot.seq}: its journal is "
            "gone (restored from an older backup than the snapshots, or deleted), so its "
            "actor's recovery fails; restore the journal and the snapshots from one backup, "
            "or delete the id's row of actorkit_snapshots (docs/persistence.md, Guarantees, "
            '"Restoring a backup")',
            NOTHING_STORED,
        )
    reminders = await store.reminders(persistence_id)
    if reminders:  # the id is right: "check the id" would send the user after a typo
        return fail(
            "journal",
            f"{missing}, only {_named(reminders)}: the id is in use, by an actor that has "
            f"persisted and saved nothing yet (its reminders are read with "
            f"store.reminders({persistence_id!r}))",
            NOTHING_STORED,
        )
    slashed = await _slashed_with_history(store, persistence_id)
    if slashed is not None:
        return fail(
            "journal",
            f"{missing}, but some under {slashed!r} (a durable actor's id is its path): "
            f"pass {slashed}",
            NOTHING_STORED,
        )
    return fail(
        "journal",
        f"{missing}: check the id (a durable actor's is its path, such as /acct-42, unless "
        "it was spawned with persistence_id=...)",
        NOTHING_STORED,
    )


def _named(reminders: list[StoredReminder]) -> str:
    """The first few reminders, each with its due time and period: one line of stderr."""
    count = len(reminders)
    shown = [
        f"{reprlib.repr(r.key)} (due {stamp(r.due)}"
        + ("" if r.every is None else f", every {r.every!r} s")
        + ")"
        for r in reminders[:_SHOWN]
    ]
    more = f", and {count - _SHOWN} more" if count > _SHOWN else ""
    return f"{count} reminder{'s' if count > 1 else ''}: {', '.join(shown)}{more}"


async def _slashed_with_history(store: SQLStore[Any], persistence_id: str) -> str | None:
    """The id with the leading slash an actor's path has, when it was left out and the store
    holds events or a state under the path."""
    if persistence_id.startswith("/"):
        return None
    slashed = "/" + persistence_id
    try:
        check_id(slashed)
    except ValueError:  # one character over the longest id
        return None
    if await store.highest_seq(slashed) or await store.load_state(slashed) is not None:
        return slashed
    return None
