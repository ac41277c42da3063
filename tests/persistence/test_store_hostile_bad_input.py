"""The stores' own arguments, hostile: a path opening would fail on, subclasses whose own
methods raise. Each is refused when the store is made or the method called, with an error
that says what to pass, or taken as its plain value; none of its methods runs."""

from __future__ import annotations

import enum
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest

from actorkit.persistence import (
    EventSourced,
    MemoryStore,
    PostgresStore,
    SQLiteStore,
    StoredReminder,
)

from ..hostile_values import Hostile, RaisingCompare, RaisingText
from ..sweep_values import Sprawling, Unprintable

pytestmark = pytest.mark.timeout(30)


def test_a_path_the_file_system_cannot_encode_is_refused_when_the_store_is_made(
    tmp_path: Path,
) -> None:
    """Opening it, at the system's start, would fail with the encoder's error instead."""
    with pytest.raises(ValueError, match=r"path must be text the file system can encode"):
        SQLiteStore(str(tmp_path / "bank\ud800.db"))
    SQLiteStore(str(tmp_path / "bank\udcff.db"))  # an undecodable byte: a name a file can have


def test_a_path_and_synchronous_given_as_str_subclasses_are_kept_as_their_text(
    tmp_path: Path,
) -> None:
    path = str(tmp_path / "bank.db")
    store = SQLiteStore(RaisingText(path), synchronous=RaisingText("NORMAL"))  # type: ignore[arg-type]
    assert (type(store.path), store.path) == (str, path)
    assert (type(store.synchronous), store.synchronous) == (str, "NORMAL")


class UnprintablePath:
    """A path object whose own repr raises: the refusal still says what to pass."""

    def __init__(self, path: str) -> None:
        self.path = path

    def __fspath__(self) -> str:
        return self.path

    def __repr__(self) -> str:
        raise Hostile("UnprintablePath's __repr__ ran")


@pytest.mark.parametrize(
    ("path", "error", "says"),
    [
        (Unprintable(), TypeError, r"path must be a str or a pathlib.Path .* got Unprintable"),
        (Sprawling(), TypeError, r"path must be a str or a pathlib.Path .* \(1,000,011 char"),
        (UnprintablePath("bank\x00.db"), ValueError, r"path must not contain NUL"),
    ],
    ids=["unprintable", "sprawling", "unprintable path holding NUL"],
)
def test_a_path_refused_is_quoted_in_a_line_without_its_repr_raising(
    path: object, error: type[Exception], says: str
) -> None:
    with pytest.raises(error, match=says) as refused:
        SQLiteStore(path)  # type: ignore[arg-type]
    assert len(str(refused.value)) < 300


Call = Callable[[MemoryStore], Awaitable[Any]]

REFUSED: list[tuple[str, Call, str]] = [
    ("append: id", lambda s: s.append(RaisingText("p"), 0, [b"x"]), "exactly a str, got"),
    ("delete_reminder: key", lambda s: s.delete_reminder("p", RaisingText("k")), "reminder key"),
]


@pytest.mark.parametrize(("row", "call", "says"), REFUSED, ids=[row for row, _, _ in REFUSED])
async def test_a_store_method_refuses_a_subclass_saying_so_without_calling_it(
    row: str, call: Call, says: str
) -> None:
    store = MemoryStore()
    await store.open()
    try:
        with pytest.raises(ValueError, match=says) as refused:
            await call(store)
        assert not isinstance(refused.value.__context__, Hostile)
        assert await store.highest_seq("p") == 0
        assert await store.reminders("p") == []
    finally:
        await store.close()


WRONG_PAYLOADS: list[tuple[str, Call, type[Exception], str]] = [
    ("append: an int", lambda s: s.append("p", 0, 42), TypeError, r"payloads must be a list"),  # type: ignore[arg-type]
    ("append: a set", lambda s: s.append("p", 0, {b"x"}), TypeError, r"payloads must be a list"),  # type: ignore[arg-type]
    ("append: bytes", lambda s: s.append("p", 0, b"x"), TypeError, r"payloads must be a list"),  # type: ignore[arg-type]
    ("append: none", lambda s: s.append("p", 0, []), ValueError, r"payloads must hold at least"),
    ("append: a str", lambda s: s.append("p", 0, [b"x", "y"]), TypeError, r"payloads\[1\] must"),  # type: ignore[list-item]
    ("save_state", lambda s: s.save_state("p", 0, "x"), TypeError, r"^payload must be bytes"),  # type: ignore[arg-type]
    ("save_snapshot", lambda s: s.save_snapshot("p", 1, None), TypeError, r"^payload must be"),  # type: ignore[arg-type]
    (
        "put_reminder",
        lambda s: s.put_reminder("p", StoredReminder("k", 1.0, None, bytearray(b"x"))),  # type: ignore[arg-type]
        TypeError,
        r"a reminder's payload must be bytes",
    ),
]


@pytest.mark.parametrize(
    ("row", "call", "error", "says"), WRONG_PAYLOADS, ids=[row for row, *_ in WRONG_PAYLOADS]
)
async def test_a_payload_that_is_not_bytes_is_refused_naming_the_parameter(
    row: str, call: Call, error: type[Exception], says: str
) -> None:
    """They failed in `len()`, or said "a store writes encoded values" without naming which."""
    async with MemoryStore() as store:
        with pytest.raises(error, match=says):
            await call(store)
        assert await store.highest_seq("p") == 0
        assert await store.load_state("p") is None
        assert await store.reminders("p") == []


@pytest.mark.parametrize(
    ("dsn", "says"),
    [
        ("postgresql://u@h/db\x00x", r"holds a NUL"),
        ("postgresql://u@h/db%00x", r"holds a NUL"),
        ("postgresql://u:s3cret%00@h/db", r"holds a NUL"),
        ("postgresql://u@h/d\udcff", r"must be text UTF-8 can encode"),
    ],
    ids=["NUL", "%00 in the database", "%00 in the password", "lone surrogate"],
)
def test_a_dsn_no_connection_can_carry_is_refused_when_the_store_is_made(
    dsn: str, says: str
) -> None:
    """At open, the server refused a NUL's startup packet as malformed (or took a shorter
    password), and a lone surrogate failed in asyncpg with an AttributeError."""
    with pytest.raises(ValueError, match=rf"^PostgresStore: the URL .*{says}") as refused:
        PostgresStore(dsn)
    assert "s3cret" not in str(refused.value)


def test_a_dsn_given_as_a_str_subclass_is_kept_as_its_text() -> None:
    store = PostgresStore(RaisingText("postgresql://u@h/db"))
    assert (type(store.dsn), store.dsn) == (str, "postgresql://u@h/db")


class Seq(enum.IntEnum):
    ZERO = 0
    ONE = 1


@pytest.mark.parametrize(
    ("zero", "one"),
    [(Seq.ZERO, Seq.ONE), (RaisingCompare(0), RaisingCompare(1))],
    ids=["IntEnum", "raising int"],
)
async def test_a_sequence_number_given_as_an_int_subclass_is_kept_as_its_plain_int(
    zero: int, one: int
) -> None:
    """As every integer option takes one: none of its class's methods runs in the store."""
    async with MemoryStore() as store:
        await store.append("p", zero, [b"x"])
        await store.save_snapshot("p", one, b"x")
        assert await store.save_state("p", zero, b"x") == 1
        snapshot = await store.load_snapshot("p")
        assert snapshot is not None and (type(snapshot.seq), snapshot.seq) == (int, 1)
        assert [type(e.seq) async for e in store.read("p", one)] == [int]
        with pytest.raises(ValueError, match=r"^seq must be an int from 0 .*, got -1$"):
            await store.save_snapshot("p", -1, b"x")  # a plain int is not told to be one


def test_snapshot_every_given_as_an_int_subclass_is_kept_as_its_int() -> None:
    """`every < 0` ran the subclass's own comparison when the class was defined."""

    class Counted(EventSourced):
        snapshot_every = RaisingCompare(2)

        def apply(self, event: object) -> None:  # pragma: no cover - never spawned
            pass

    assert (type(Counted.snapshot_every), Counted.snapshot_every) == (int, 2)
    with pytest.raises(ValueError, match=r"snapshot_every must be an int >= 0 .* got <Raising"):

        class Negative(Counted):
            snapshot_every = RaisingCompare(-1)


@pytest.mark.parametrize("kind", ["memory", "sqlite"])
def test_read_and_events_refuse_their_arguments_at_the_call(tmp_path: Path, kind: str) -> None:
    """Not at the first step of the iteration, which may come later and elsewhere."""
    store = MemoryStore() if kind == "memory" else SQLiteStore(tmp_path / "bank.db")
    for method in (store.read, store.events):
        with pytest.raises(ValueError, match=r"^persistence_id must be a non-empty str, got 42"):
            method(42)  # type: ignore[arg-type]
        with pytest.raises(ValueError, match=r"^from_seq must be an int from 0"):
            method("p", -1)
