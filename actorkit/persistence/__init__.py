"""Durable actors: event sourcing, durable state and reminders (API.md §11, docs/persistence.md).

Stores: `MemoryStore` (tests), `SQLiteStore(path)` (embedded, one file, WAL) and
`PostgresStore(dsn)` (a real server shared by many processes), all passing one conformance
suite (tests/persistence/).

Install with `pip install 'actorkit[persistence]'` (msgspec, aiosqlite and asyncpg).
"""

from __future__ import annotations

from .._imports import raise_extra_missing

try:
    from .._errors import PersistenceConflict, PersistenceError
    from ._agent_history import AgentChange
    from ._durable_state import DurableState
    from ._event_sourced import EventSourced
    from ._memory import MemoryStore
    from ._postgres import PostgresStore
    from ._reminders import Reminders
    from ._sqlite import SQLiteStore
    from ._store import (
        Store,
        StoredEvent,
        StoredRecovery,
        StoredReminder,
        StoredSnapshot,
        StoredState,
    )
except ModuleNotFoundError as _error:
    raise_extra_missing(__name__, "persistence", _error)

__all__ = [
    "AgentChange",
    "DurableState",
    "EventSourced",
    "MemoryStore",
    "PersistenceConflict",
    "PersistenceError",
    "PostgresStore",
    "Reminders",
    "SQLiteStore",
    "Store",
    "StoredEvent",
    "StoredRecovery",
    "StoredReminder",
    "StoredSnapshot",
    "StoredState",
]
