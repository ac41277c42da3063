"""A SQLite store whose tables were changed by hand (a column dropped, renamed or of another
type, a key, trigger or table gone, a table remade by another program) is refused when it
opens, naming the table, what differs and what to do, with the file left as it was: not at
the first write, minutes later, as a database error deep in a persist, nor by silently losing
the uniqueness that detects a second writer. Harmless additions (an index of the
application's own) are no concern of the store's."""

from __future__ import annotations

import contextlib
import sqlite3
from pathlib import Path

import pytest

from actorkit import ActorSystem
from actorkit.persistence import PersistenceError, SQLiteStore, StoredReminder
from actorkit.persistence._sqlite_schema import VERSION_1

REFUSED = (
    r"SQLite store .*store\.db: actorkit's tables differ from what actorkit made \(.*{}.*\), "
    r"which its writes and reads rely on: restore them as docs/persistence\.md \(\"Schema\"\) "
    r"describes \(from a backup, say\), or point the store at another file"
)

CHANGES = {
    "a column dropped": (
        ["ALTER TABLE actorkit_states DROP COLUMN revision"],
        r"actorkit_states: no column revision",
    ),
    "a column renamed": (
        ["ALTER TABLE actorkit_reminders RENAME COLUMN due TO due_at"],
        r"actorkit_reminders: no column due, a column due_at of its own",
    ),
    "a type changed": (
        [
            "DROP TABLE actorkit_snapshots",
            "CREATE TABLE actorkit_snapshots (persistence_id TEXT PRIMARY KEY, seq TEXT NOT NULL,"
            " payload BLOB NOT NULL) STRICT",
        ],
        r"actorkit_snapshots: column seq is TEXT, not INTEGER",
    ),
    "a column made NOT NULL": (
        [
            "DROP TABLE actorkit_reminders",
            "CREATE TABLE actorkit_reminders (persistence_id TEXT NOT NULL, key TEXT NOT NULL, "
            "due REAL NOT NULL, every REAL NOT NULL, payload BLOB NOT NULL, "
            "PRIMARY KEY (persistence_id, key)) STRICT",
        ],
        r"actorkit_reminders: column every is NOT NULL, not nullable",
    ),
    "a column added": (
        ["ALTER TABLE actorkit_states ADD COLUMN note TEXT"],
        r"actorkit_states: a column note of its own, which actorkit's inserts cannot leave out",
    ),
    "columns in another order": (
        [
            "DROP TABLE actorkit_states",
            "CREATE TABLE actorkit_states (revision INTEGER NOT NULL, persistence_id TEXT "
            "PRIMARY KEY, payload BLOB NOT NULL) STRICT",
        ],
        r"actorkit_states: columns in the order \(revision, persistence_id, payload\), not "
        r"\(persistence_id, revision, payload\)",
    ),
    "the primary key lost": (
        [
            "DROP TABLE actorkit_states",
            "CREATE TABLE actorkit_states (persistence_id TEXT NOT NULL, revision INTEGER NOT "
            "NULL, payload BLOB NOT NULL) STRICT",
        ],
        r"actorkit_states: no primary key on \(persistence_id\)",
    ),
    "the tail's unique key lost": (
        [
            "DROP TABLE actorkit_journal_tail",
            "CREATE TABLE actorkit_journal_tail (position INTEGER PRIMARY KEY, persistence_id "
            "TEXT NOT NULL, seq INTEGER NOT NULL, time REAL NOT NULL, payload BLOB NOT NULL) "
            "STRICT",
        ],
        r"actorkit_journal_tail: no unique key on \(persistence_id, seq\)",
    ),
    "the tail's unique key an index that is not unique": (
        [
            "DROP TABLE actorkit_journal_tail",
            "CREATE TABLE actorkit_journal_tail (position INTEGER PRIMARY KEY, persistence_id "
            "TEXT NOT NULL, seq INTEGER NOT NULL, time REAL NOT NULL, payload BLOB NOT NULL) "
            "STRICT",
            "CREATE INDEX app_tail ON actorkit_journal_tail (persistence_id, seq)",
        ],
        r"actorkit_journal_tail: no unique key on \(persistence_id, seq\)",
    ),
    "the tail's unique key partial": (
        [
            "DROP TABLE actorkit_journal_tail",
            "CREATE TABLE actorkit_journal_tail (position INTEGER PRIMARY KEY, persistence_id "
            "TEXT NOT NULL, seq INTEGER NOT NULL, time REAL NOT NULL, payload BLOB NOT NULL) "
            "STRICT",
            "CREATE UNIQUE INDEX app_tail ON actorkit_journal_tail (persistence_id, seq) "
            "WHERE seq > 0",
        ],
        r"actorkit_journal_tail: no unique key on \(persistence_id, seq\)",
    ),
    "a primary key's columns in another order": (
        [
            "DROP TABLE actorkit_reminders",
            "CREATE TABLE actorkit_reminders (persistence_id TEXT NOT NULL, key TEXT NOT NULL, "
            "due REAL NOT NULL, every REAL, payload BLOB NOT NULL, "
            "PRIMARY KEY (key, persistence_id)) STRICT",
        ],
        r"actorkit_reminders: primary key on \(key, persistence_id\), not "
        r"\(persistence_id, key\)",
    ),
    "the tail's position no longer its row id": (
        [
            "DROP TABLE actorkit_journal_tail",
            "CREATE TABLE actorkit_journal_tail (position INTEGER, persistence_id TEXT NOT NULL, "
            "seq INTEGER NOT NULL, time REAL NOT NULL, payload BLOB NOT NULL, "
            "PRIMARY KEY (persistence_id, seq)) STRICT",
        ],
        r"actorkit_journal_tail: primary key on \(persistence_id, seq\), not \(position\)",
    ),
    "not STRICT": (
        [
            "DROP TABLE actorkit_snapshots",
            "CREATE TABLE actorkit_snapshots (persistence_id TEXT PRIMARY KEY, seq INTEGER NOT "
            "NULL, payload BLOB NOT NULL)",
        ],
        r"actorkit_snapshots: column persistence_id is nullable, not NOT NULL, not STRICT",
    ),
    "WITHOUT ROWID": (
        [
            "DROP TABLE actorkit_states",
            "CREATE TABLE actorkit_states (persistence_id TEXT PRIMARY KEY, revision INTEGER "
            "NOT NULL, payload BLOB NOT NULL) STRICT, WITHOUT ROWID",
        ],
        r"actorkit_states: .*WITHOUT ROWID, unlike actorkit's",
    ),
    "a table dropped": (["DROP TABLE actorkit_reminders"], r"actorkit_reminders is missing"),
    "a trigger dropped": (
        ["DROP TRIGGER actorkit_journal_from_tail"],
        r"actorkit_journal_from_tail is missing",
    ),
    "the view remade": (
        [
            "DROP VIEW actorkit_events",
            "CREATE VIEW actorkit_events AS SELECT * FROM actorkit_journal",
        ],
        r"actorkit_events: its SQL differs from actorkit's",
    ),
    "another program's table of the name": (
        [
            "DROP TABLE actorkit_states",
            "CREATE TABLE actorkit_states (id INTEGER PRIMARY KEY, data TEXT)",
        ],
        r"actorkit_states: no column persistence_id, .*not STRICT",
    ),
    "a view of a table's name": (
        [
            "DROP TABLE actorkit_snapshots",
            "CREATE VIEW actorkit_snapshots AS SELECT persistence_id, seq, payload "
            "FROM actorkit_journal",
        ],
        r"actorkit_snapshots is a view, not a table",
    ),
}


async def _refused(store: SQLiteStore, detail: str, *, read_only: bool = False) -> None:
    try:
        with pytest.raises(PersistenceError, match=REFUSED.format(detail)):
            await (store.open_read_only() if read_only else store.open())
    finally:
        await store.close()


async def _written(path: Path) -> None:
    """A store in use: a journal, a state and a reminder."""
    async with SQLiteStore(path) as store:
        await store.append("a", 0, [b"e1", b"e2"])
        await store.save_state("s", 0, b"state")
        await store.put_reminder("r", StoredReminder("k", 1.0, None, b"due"))


def _changed(path: Path, statements: list[str]) -> None:
    with contextlib.closing(sqlite3.connect(path)) as conn:
        for statement in statements:
            conn.execute(statement)
        conn.commit()


def _contents(path: Path) -> object:
    with contextlib.closing(sqlite3.connect(path)) as conn:
        schema = conn.execute("SELECT type, name, sql FROM sqlite_master ORDER BY name")
        return schema.fetchall(), conn.execute("PRAGMA journal_mode").fetchone()


@pytest.mark.parametrize("change", CHANGES)
async def test_a_changed_table_is_refused_when_the_store_opens(tmp_path: Path, change: str) -> None:
    statements, detail = CHANGES[change]
    path = tmp_path / "store.db"
    await _written(path)
    _changed(path, statements)
    before = _contents(path)
    await _refused(SQLiteStore(path), detail)
    assert _contents(path) == before


@pytest.mark.parametrize("change", ["a column dropped", "a trigger dropped"])
async def test_a_reader_refuses_it_too(tmp_path: Path, change: str) -> None:
    statements, detail = CHANGES[change]
    path = tmp_path / "store.db"
    await _written(path)
    _changed(path, statements)
    await _refused(SQLiteStore(path), detail, read_only=True)


async def test_every_difference_is_named_in_one_refusal(tmp_path: Path) -> None:
    path = tmp_path / "store.db"
    await _written(path)
    _changed(
        path,
        [
            "ALTER TABLE actorkit_states DROP COLUMN revision",
            "DROP TRIGGER actorkit_journal_from_tail",
        ],
    )
    store = SQLiteStore(path)
    try:
        with pytest.raises(PersistenceError) as caught:
            await store.open()
    finally:
        await store.close()
    both = "(actorkit_states: no column revision; actorkit_journal_from_tail is missing)"
    assert both in str(caught.value)


async def test_a_system_on_a_changed_store_does_not_start(tmp_path: Path) -> None:
    """Refused as the system starts, before any actor runs or recovers from it."""
    path = tmp_path / "store.db"
    await _written(path)
    _changed(path, CHANGES["the primary key lost"][0])
    with pytest.raises(PersistenceError, match=r"actorkit_states: no primary key"):
        async with ActorSystem("bank", store=SQLiteStore(path)):
            pytest.fail("the system started")


async def test_a_changed_file_of_version_1_is_refused_not_upgraded(tmp_path: Path) -> None:
    path = tmp_path / "store.db"
    with contextlib.closing(sqlite3.connect(path)) as conn:
        conn.execute("CREATE TABLE actorkit_schema (version INTEGER NOT NULL) STRICT")
        conn.execute("INSERT INTO actorkit_schema VALUES (1)")
        for statement in VERSION_1:
            conn.execute(statement)
        conn.execute("ALTER TABLE actorkit_states ADD COLUMN note TEXT")
        conn.commit()
    before = _contents(path)
    await _refused(SQLiteStore(path), r"actorkit_states: a column note")
    assert _contents(path) == before


async def test_an_index_of_the_applications_own_is_no_concern(tmp_path: Path) -> None:
    path = tmp_path / "store.db"
    await _written(path)
    _changed(
        path,
        [
            "CREATE INDEX app_by_time ON actorkit_journal_tail (time)",
            "CREATE UNIQUE INDEX app_payloads ON actorkit_journal (persistence_id, seq, payload)",
        ],
    )
    async with SQLiteStore(path) as store:
        await store.append("a", 2, [b"e3"])
        assert await store.highest_seq("a") == 3


async def test_a_lost_primary_key_is_named_once(tmp_path: Path) -> None:
    """Not a second time as a lost unique key: the primary key's index is one."""
    path = tmp_path / "store.db"
    await _written(path)
    _changed(path, CHANGES["the primary key lost"][0])
    store = SQLiteStore(path)
    try:
        with pytest.raises(PersistenceError) as caught:
            await store.open()
    finally:
        await store.close()
    assert "(actorkit_states: no primary key on (persistence_id))" in str(caught.value)
