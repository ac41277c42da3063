"""A store's sequence numbers and revisions take any integer, as every other integer option
does (`actorkit._exact.index_int`): numpy's int64, an `IntEnum` member or another
`numbers.Integral` is kept as its plain int; a bool, or a value whose type only has
`__index__`, is refused without running its code."""

from __future__ import annotations

import enum
from pathlib import Path
from typing import Any

import pytest

from actorkit.persistence import MemoryStore, SQLiteStore
from actorkit.persistence._binding import encode

from ..int_like_support import Broken, Index

pytestmark = pytest.mark.timeout(30)


class Unsaid:
    """An `__index__` on a type that does not say it is an integer: never called."""

    def __index__(self) -> int:
        raise AssertionError("its code ran")


class Seq(enum.IntEnum):
    ZERO = 0
    ONE = 1


def integers() -> list[Any]:
    made: list[Any] = [Index, Seq]
    try:
        import numpy
    except ImportError:
        return made
    return [*made, numpy.int64]


def _make(kind: Any, value: int) -> Any:
    return kind(value) if kind is not Seq else Seq(value)


def _any(value: object) -> Any:
    return value


def _store(kind: str, tmp_path: Path) -> MemoryStore | SQLiteStore:
    return MemoryStore() if kind == "memory" else SQLiteStore(tmp_path / "bank.db")


STORES = pytest.mark.parametrize("kind", ["memory", "sqlite"])
INTEGERS = pytest.mark.parametrize("integer", integers(), ids=lambda t: t.__name__)


@STORES
@INTEGERS
async def test_sequence_arguments_take_any_integer_as_its_plain_int(
    tmp_path: Path, kind: str, integer: Any
) -> None:
    async with _store(kind, tmp_path) as store:
        await store.append("p", _make(integer, 0), [encode("a", "a")])
        await store.append("p", _make(integer, 1), [encode("b", "b")])
        seqs = [event.seq async for event in store.read("p", _make(integer, 1))]
        assert [(type(seq), seq) for seq in seqs] == [(int, 1), (int, 2)]
        events = [seq async for seq, _, _ in store.events("p", _make(integer, 1))]
        assert [(type(seq), seq) for seq in events] == [(int, 1), (int, 2)]
        await store.save_snapshot("p", _make(integer, 1), b"s")
        snapshot = await store.load_snapshot("p")
        assert snapshot is not None and (type(snapshot.seq), snapshot.seq) == (int, 1)
        revision = await store.save_state("p", _make(integer, 0), b"x")
        assert (type(revision), revision) == (int, 1)
        state = await store.load_state("p")
        assert state is not None and (type(state.revision), state.revision) == (int, 1)


@STORES
async def test_sequence_arguments_refuse_what_is_no_integer_saying_what_is_taken(
    tmp_path: Path, kind: str
) -> None:
    async with _store(kind, tmp_path) as store:
        refused: list[Any] = [True, Unsaid(), 1.0, "1"]
        for value in refused:
            with pytest.raises(ValueError, match=r"^from_seq must be an int from 0 .*Integral"):
                store.read("p", value)
            with pytest.raises(ValueError, match=r"^expected_seq must be an int from 0 .*Integral"):
                await store.append("p", value, [b"a"])
            with pytest.raises(ValueError, match=r"^seq must be an int from 0 .*Integral"):
                await store.save_snapshot("p", value, b"s")
            with pytest.raises(ValueError, match=r"^expected_revision .*Integral"):
                await store.save_state("p", value, b"x")
        with pytest.raises(ValueError, match=r"^from_seq must .*Broken is a numbers.Integral"):
            store.events("p", _any(Broken()))
        with pytest.raises(ValueError, match=r"^seq must be an int from 0 .*, got -1$"):
            await store.save_snapshot(
                "p", _any(Index(-1)), b"s"
            )  # an integer is not told to be one
        assert await store.highest_seq("p") == 0
        assert await store.load_snapshot("p") is None
        assert await store.load_state("p") is None
