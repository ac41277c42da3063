"""The bad input sweep's calls into `actorkit.persistence` (`PERSISTENCE`, part of `SWEPT`).

The stores are made without opening them (every check runs before any I/O), and each
method is called on a store of its own, opened: a `MemoryStore`, and a `SQLiteStore` on a
temporary file. `PostgresStore` shares `SQLiteStore`'s methods (`SQLStore`), so only its
constructor is swept here. `store.read` and `store.events` refuse at the call, before
anything is iterated; what they accept is consumed. A reminder's fields are swept through
`put_reminder`, which checks them (the record itself is also what stores hand back), and a
durable actor's `self.reminders` in a system of its own on a `MemoryStore`. A refused call
must leave the store as it was: nothing written under any id, no reminder stored or armed;
else it raises AssertionError, which the sweeps report.
"""

from __future__ import annotations

import contextlib
import sqlite3
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from actorkit import ActorSystem
from actorkit.persistence import (
    DurableState,
    MemoryStore,
    PostgresStore,
    Reminders,
    SQLiteStore,
    StoredReminder,
)
from actorkit.testing import pending_timers

from .sweep_param import Param

PID = "p"
REMINDER = StoredReminder("k", 1.0, None, b"x")

METHODS: dict[str, tuple[dict[str, Any], dict[str, str]]] = {
    "append": (
        {"persistence_id": PID, "expected_seq": 0, "payloads": [b"x"]},
        {"expected_seq": "seq", "payloads": "payloads"},
    ),
    "read": ({"persistence_id": PID, "from_seq": 1}, {"from_seq": "seq"}),
    "events": ({"persistence_id": PID, "from_seq": 1}, {"from_seq": "seq"}),
    "highest_seq": ({"persistence_id": PID}, {}),
    "load_snapshot": ({"persistence_id": PID}, {}),
    "load_state": ({"persistence_id": PID}, {}),
    "reminders": ({"persistence_id": PID}, {}),
    "load_recovery": ({"persistence_id": PID, "journal": True}, {"journal": "bool"}),
    "save_snapshot": (
        {"persistence_id": PID, "seq": 1, "payload": b"x"},
        {"seq": "seq", "payload": "payload"},
    ),
    "save_state": (
        {"persistence_id": PID, "expected_revision": 0, "payload": b"x"},
        {"expected_revision": "seq", "payload": "payload"},
    ),
    "put_reminder": ({"persistence_id": PID, "reminder": REMINDER}, {"reminder": "reminder"}),
    "delete_reminder": ({"persistence_id": PID, "key": "k"}, {"key": "key_to_end"}),
}
"""Each method's valid arguments, and the kind of each parameter but persistence_id."""


async def _untouched(store: MemoryStore | SQLiteStore, path: Path) -> None:
    if isinstance(store, MemoryStore):
        kept = vars(store)  # the dicts of journals, snapshots, states and reminders
        left = {name: held for name, held in kept.items() if isinstance(held, dict) and held}
        assert not left, f"a refused call left {left}"
        return
    with contextlib.closing(sqlite3.connect(path)) as db:
        for table in ("actorkit_events", "actorkit_snapshots", "actorkit_states"):
            (rows,) = db.execute(f"SELECT count(*) FROM {table}").fetchone()
            assert rows == 0, f"a refused call left a row in {table}"
        (rows,) = db.execute("SELECT count(*) FROM actorkit_reminders").fetchone()
        assert rows == 0, "a refused call left a reminder"


async def on_store(kind: str, call: Callable[[MemoryStore | SQLiteStore], Any]) -> Any:
    """`call(store)` on an open store of `kind`, awaited or consumed."""
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "s.db"
        store = MemoryStore() if kind == "MemoryStore" else SQLiteStore(path)
        async with store:
            try:
                result = call(store)
                if hasattr(result, "__aiter__"):
                    return await _consumed(result)
                return await result
            except (TypeError, ValueError):
                await _untouched(store, path)
                raise


async def _consumed(rows: Any) -> list[Any]:
    """The rows of `read` or `events`, whose arguments were checked when it was called."""
    try:
        return [row async for row in rows]
    except (TypeError, ValueError) as error:
        raise AssertionError(f"refused at the first step, not at the call: {error}") from error


def _store_methods(kind: str) -> dict[str, Param]:
    swept = {}
    for method, (good, kinds) in METHODS.items():
        for name in good:

            def call(e: Any, kw: dict[str, Any], method: str = method, good: Any = good) -> Any:
                return on_store(kind, lambda s: getattr(s, method)(**{**good, **kw}))

            swept[f"{kind}.{method}:{name}"] = Param(
                kinds.get(name, "store_id"), call, "persistence_id" if name == PID else ""
            )
    return swept


def _reminder(kw: dict[str, Any]) -> Any:
    fields = {"key": "k", "due": 1.0, "every": None, "payload": b"x", **kw}
    return on_store("MemoryStore", lambda s: s.put_reminder(PID, StoredReminder(**fields)))


class Keeper(DurableState):
    """Runs a call on its own reminders, in its handler, where they are used."""

    async def receive(self, message: Any) -> Any:
        try:
            return ("returned", await message(self.reminders))
        except Exception as error:
            return ("raised", error)


async def on_reminders(call: Callable[[Reminders], Any]) -> Any:
    store = MemoryStore()
    async with ActorSystem("reminders", store=store) as system:
        ref = await system.spawn(Keeper, name="keeper")
        outcome, value = await ref.ask(call)
        if outcome == "returned":
            return value
        if isinstance(value, TypeError | ValueError):
            assert await store.reminders("/keeper") == [], "a refused start stored its reminder"
            assert pending_timers(system) == 0, "a refused start armed its reminder"
        raise value


def _start(kw: dict[str, Any]) -> Any:
    return on_reminders(lambda r: r.start(**{"key": "k", "message": "m", "delay": 1.0, **kw}))


PERSISTENCE: dict[str, Param] = {
    "SQLiteStore.__init__:path": Param("file", lambda e, kw: SQLiteStore(**kw)),
    "SQLiteStore.__init__:synchronous": Param(
        "synchronous", lambda e, kw: SQLiteStore("s.db", **kw)
    ),
    "SQLiteStore.__init__:timeout": Param("seconds", lambda e, kw: SQLiteStore("s.db", **kw)),
    "PostgresStore.__init__:dsn": Param("dsn", lambda e, kw: PostgresStore(**kw), "PostgresStore"),
    "PostgresStore.__init__:timeout": Param(
        "seconds", lambda e, kw: PostgresStore("postgresql://u@h/db", **kw)
    ),
    **_store_methods("MemoryStore"),
    **_store_methods("SQLiteStore"),
    "StoredReminder.__init__:key": Param("key", lambda e, kw: _reminder(kw), "reminder key"),
    "StoredReminder.__init__:due": Param("instant", lambda e, kw: _reminder(kw), "due"),
    "StoredReminder.__init__:every": Param("every", lambda e, kw: _reminder(kw)),
    "StoredReminder.__init__:payload": Param("payload", lambda e, kw: _reminder(kw)),
    "Reminders.start:key": Param("key", lambda e, kw: _start(kw), "reminder key"),
    "Reminders.start:delay": Param("seconds0", lambda e, kw: _start(kw)),
    "Reminders.start:every": Param("every", lambda e, kw: _start(kw)),
    "Reminders.cancel:key": Param(
        "key_to_end", lambda e, kw: on_reminders(lambda r: r.cancel(**kw)), "reminder key"
    ),
}
