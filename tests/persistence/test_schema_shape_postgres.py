"""PostgreSQL's twin of test_schema_shape_sqlite: tables changed by hand are refused when the
store opens (and when a reader does), naming the table, what differs and what to do, with the
database left as it was. A column the store's inserts may leave out (nullable, or with a
default) and an index of the application's own are no concern of the store's: its inserts
fill actorkit's columns by position and leave the others to the database."""

from __future__ import annotations

import pytest

from actorkit import ActorSystem
from actorkit.persistence import PersistenceError, PostgresStore, StoredReminder

from .postgres_server import PostgresServer

REFUSED = (
    r"PostgreSQL store .*: actorkit's tables differ from what actorkit made \(.*{}.*\), which "
    r"its writes and reads rely on: restore them as docs/persistence\.md \(\"Schema\"\) "
    r"describes \(from a backup, say\), or point the store at another database or schema "
    r"\(options=-csearch_path%3D\.\.\. in the DSN\)"
)

_PARTITIONED = (
    "CREATE TABLE actorkit_journal (persistence_id text NOT NULL, seq bigint NOT NULL, "
    "time double precision NOT NULL, payload bytea NOT NULL{key}) "
    "PARTITION BY HASH (persistence_id); "
    "CREATE TABLE actorkit_journal_0 PARTITION OF actorkit_journal "
    "FOR VALUES WITH (MODULUS 2, REMAINDER 0); "
    "CREATE TABLE actorkit_journal_1 PARTITION OF actorkit_journal "
    "FOR VALUES WITH (MODULUS 2, REMAINDER 1)"
)
"""The journal remade partitioned by its id, as a large deployment may: `{key}` its key."""

CHANGES = {
    "a column dropped": (
        "ALTER TABLE actorkit_states DROP COLUMN revision",
        r"actorkit_states: no column revision",
    ),
    "a column renamed": (
        "ALTER TABLE actorkit_reminders RENAME COLUMN due TO due_at",
        r"actorkit_reminders: no column due, a column due_at of its own",
    ),
    "a type narrowed": (
        "ALTER TABLE actorkit_snapshots ALTER COLUMN seq TYPE integer",
        r"actorkit_snapshots: column seq is integer, not bigint",
    ),
    "a column made NOT NULL": (
        "UPDATE actorkit_reminders SET every = 1; "
        "ALTER TABLE actorkit_reminders ALTER COLUMN every SET NOT NULL",
        r"actorkit_reminders: column every is NOT NULL, not nullable",
    ),
    "a NOT NULL column without a default added": (
        "ALTER TABLE actorkit_states ADD COLUMN owner text NOT NULL DEFAULT 'me'; "
        "ALTER TABLE actorkit_states ALTER COLUMN owner DROP DEFAULT",
        r"actorkit_states: a column owner of its own, which actorkit's inserts cannot leave out",
    ),
    "columns in another order": (
        "DROP TABLE actorkit_states; CREATE TABLE actorkit_states (revision bigint NOT NULL, "
        "persistence_id text PRIMARY KEY, payload bytea NOT NULL)",
        r"actorkit_states: columns in the order \(revision, persistence_id, payload\), not "
        r"\(persistence_id, revision, payload\)",
    ),
    "the journal's primary key dropped": (
        "ALTER TABLE actorkit_journal DROP CONSTRAINT actorkit_journal_pkey",
        r"actorkit_journal: no primary key on \(persistence_id, seq\)",
    ),
    "the journal's primary key deferred to the commit": (
        "ALTER TABLE actorkit_journal DROP CONSTRAINT actorkit_journal_pkey; ALTER TABLE "
        "actorkit_journal ADD PRIMARY KEY (persistence_id, seq) DEFERRABLE INITIALLY DEFERRED",
        r"actorkit_journal: no primary key on \(persistence_id, seq\)",
    ),
    "a primary key on other columns": (
        "ALTER TABLE actorkit_reminders DROP CONSTRAINT actorkit_reminders_pkey; "
        "ALTER TABLE actorkit_reminders ADD PRIMARY KEY (key, persistence_id)",
        r"actorkit_reminders: primary key on \(key, persistence_id\), not "
        r"\(persistence_id, key\)",
    ),
    "the partitioned journal's primary key not yet on its partitions": (
        "DROP TABLE actorkit_journal; "
        + _PARTITIONED.format(key="")
        + "; ALTER TABLE ONLY actorkit_journal ADD PRIMARY KEY (persistence_id, seq)",
        r"actorkit_journal: no primary key on \(persistence_id, seq\)",
    ),
    "a table dropped": ("DROP TABLE actorkit_reminders", r"actorkit_reminders is missing"),
    "a view of a table's name": (
        "DROP TABLE actorkit_snapshots; CREATE VIEW actorkit_snapshots AS "
        "SELECT persistence_id, seq, payload FROM actorkit_journal",
        r"actorkit_snapshots is a view, not a table",
    ),
    "another program's table of the name": (
        "DROP TABLE actorkit_states; CREATE TABLE actorkit_states (id serial PRIMARY KEY, "
        "data jsonb)",
        r"actorkit_states: no column persistence_id, .*primary key on \(id\)",
    ),
}

_SHAPE = (
    "SELECT table_name, column_name, data_type, is_nullable FROM information_schema.columns "
    "WHERE table_schema = current_schema() ORDER BY table_name, ordinal_position"
)


async def _refused(store: PostgresStore, detail: str) -> None:
    try:
        with pytest.raises(PersistenceError, match=REFUSED.format(detail)):
            await store.open()
    finally:
        await store.close()


async def _written(dsn: str) -> None:
    async with PostgresStore(dsn) as store:
        await store.append("a", 0, [b"e1", b"e2"])
        await store.save_state("s", 0, b"state")
        await store.put_reminder("r", StoredReminder("k", 1.0, None, b"due"))


@pytest.mark.parametrize("change", CHANGES)
async def test_a_changed_table_is_refused_when_the_store_opens(
    postgres: PostgresServer, change: str
) -> None:
    statements, detail = CHANGES[change]
    dsn = postgres.fresh()
    await _written(dsn)
    postgres.psql(statements, dsn)
    before = postgres.psql(_SHAPE, dsn)
    await _refused(PostgresStore(dsn), detail)
    assert postgres.psql(_SHAPE, dsn) == before


async def test_a_reader_refuses_it_too(postgres: PostgresServer) -> None:
    statements, detail = CHANGES["the journal's primary key dropped"]
    dsn = postgres.fresh()
    await _written(dsn)
    postgres.psql(statements, dsn)
    store = PostgresStore(dsn)
    try:
        with pytest.raises(PersistenceError, match=REFUSED.format(detail)):
            await store.open_read_only()
    finally:
        await store.close()


async def test_a_system_on_a_changed_store_does_not_start(postgres: PostgresServer) -> None:
    dsn = postgres.fresh()
    await _written(dsn)
    postgres.psql(CHANGES["the journal's primary key dropped"][0], dsn)
    with pytest.raises(PersistenceError, match=r"actorkit_journal: no primary key"):
        async with ActorSystem("bank", store=PostgresStore(dsn)):
            pytest.fail("the system started")


async def test_columns_and_indexes_of_the_applications_own_are_no_concern(
    postgres: PostgresServer,
) -> None:
    dsn = postgres.fresh()
    await _written(dsn)
    postgres.psql(
        "ALTER TABLE actorkit_journal ADD COLUMN note text; "
        "ALTER TABLE actorkit_states ADD COLUMN changed timestamptz NOT NULL DEFAULT now(); "
        "ALTER TABLE actorkit_reminders ADD COLUMN n bigint GENERATED ALWAYS AS IDENTITY; "
        "CREATE INDEX app_by_time ON actorkit_journal (time); "
        "CREATE UNIQUE INDEX app_payloads ON actorkit_journal (persistence_id, seq, payload)",
        dsn,
    )
    async with PostgresStore(dsn) as store:
        await store.append("a", 2, [b"e3"] * 20)  # a COPY as well as an INSERT
        await store.append("b", 0, [b"f1"])
        await store.save_state("s", 1, b"state 2")
        await store.put_reminder("r", StoredReminder("k2", 2.0, 5.0, b"due"))
        assert await store.highest_seq("a") == 22
        assert [r.key for r in await store.reminders("r")] == ["k", "k2"]


HARMLESS = {
    "the journal partitioned": "DROP TABLE actorkit_journal; "
    + _PARTITIONED.format(key=", PRIMARY KEY (persistence_id, seq)"),
    "the journal's primary key covering a column": (
        "ALTER TABLE actorkit_journal DROP CONSTRAINT actorkit_journal_pkey; "
        "ALTER TABLE actorkit_journal ADD PRIMARY KEY (persistence_id, seq) INCLUDE (time)"
    ),
    "a primary key added to the version's table": (
        "ALTER TABLE actorkit_schema ADD PRIMARY KEY (version)"
    ),
    "a column dropped and added again last": (
        "ALTER TABLE actorkit_snapshots DROP COLUMN payload; "
        "ALTER TABLE actorkit_snapshots ADD COLUMN payload bytea NOT NULL"
    ),
}


@pytest.mark.parametrize("change", HARMLESS)
async def test_a_change_actorkit_s_writes_and_reads_work_beside_is_no_concern(
    postgres: PostgresServer, change: str
) -> None:
    """Its columns as its inserts fill them (a dropped column is no position), its keys on
    their columns: the store opens, and writes and reads as ever."""
    dsn = postgres.fresh()
    await _written(dsn)
    postgres.psql(HARMLESS[change], dsn)
    async with PostgresStore(dsn) as store:
        await store.append("b", 0, [b"f"] * 20)  # a COPY as well as an INSERT
        await store.append("b", 20, [b"g"])
        await store.save_snapshot("b", 21, b"snapshot")
        assert await store.highest_seq("b") == 21
        snapshot = await store.load_snapshot("b")
        assert snapshot is not None and snapshot.payload == b"snapshot"
