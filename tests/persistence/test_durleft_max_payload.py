"""A store's `max_payload` is checked where it is set, as every integer option is (docs/api.md
§8): any integer (an `IntEnum` member, a `numbers.Integral`) kept as its plain int, from 1 to
the most any store keeps (docs/persistence.md, "The same size limit everywhere"); anything
else refused at once, saying what to pass, instead of failing every write later."""

from __future__ import annotations

import enum
from typing import Any

import pytest

from actorkit.persistence import MemoryStore, SQLiteStore
from actorkit.persistence._base import StoreBase
from actorkit.persistence._limit import MAX_PAYLOAD

from ..int_like_support import Broken, Index

pytestmark = pytest.mark.timeout(30)


class Size(enum.IntEnum):
    SMALL = 100


def stores(tmp_path: Any) -> list[StoreBase]:
    return [MemoryStore(), SQLiteStore(str(tmp_path / "s.db"))]


@pytest.mark.parametrize("value", ["100", 100.0, True, None, b"1"])
def test_what_is_no_integer_is_refused_where_it_is_set(value: object, tmp_path: Any) -> None:
    for store in stores(tmp_path):
        with pytest.raises(TypeError) as refused:
            store.max_payload = value
        said = str(refused.value)
        assert said.startswith(f"max_payload must be an int from 1 to {MAX_PAYLOAD:,}")
        assert type(value).__name__ in said and "a bool is not" in said
        assert store.max_payload == MAX_PAYLOAD


def test_an_integral_whose_index_fails_is_refused_saying_so(tmp_path: Any) -> None:
    for store in stores(tmp_path):
        with pytest.raises(TypeError, match=r"Broken is a numbers\.Integral, but its __index__"):
            store.max_payload = Broken()
        assert store.max_payload == MAX_PAYLOAD


@pytest.mark.parametrize("value", [0, -1, MAX_PAYLOAD + 1, 2**70])
def test_an_integer_out_of_range_is_refused_where_it_is_set(value: int, tmp_path: Any) -> None:
    for store in stores(tmp_path):
        with pytest.raises(ValueError) as refused:
            store.max_payload = value
        said = str(refused.value)
        assert said.startswith(f"max_payload must be an int from 1 to {MAX_PAYLOAD:,}")
        assert f"got {value}" in said and "SQLite" in said
        assert store.max_payload == MAX_PAYLOAD


@pytest.mark.parametrize(("value", "kept"), [(1, 1), (Size.SMALL, 100), (Index(150), 150)])
def test_any_integer_in_range_is_kept_as_its_plain_int(
    value: object, kept: int, tmp_path: Any
) -> None:
    for store in stores(tmp_path):
        store.max_payload = value
        assert type(store.max_payload) is int and store.max_payload == kept
    store.max_payload = MAX_PAYLOAD
    assert store.max_payload == MAX_PAYLOAD


def test_the_default_reads_on_the_class_and_each_store_has_its_own() -> None:
    assert MemoryStore.max_payload == MAX_PAYLOAD
    one, other = MemoryStore(), MemoryStore()
    one.max_payload = 10
    assert (one.max_payload, other.max_payload) == (10, MAX_PAYLOAD)


async def test_a_subclass_s_own_max_payload_is_checked_when_the_class_is_made() -> None:
    with pytest.raises(TypeError, match=r"max_payload must be an int from 1 .* got str"):

        class Bad(MemoryStore):
            max_payload = "100"  # type: ignore[assignment]

    with pytest.raises(ValueError, match=r"max_payload must be an int from 1 .* got 0"):

        class Zero(MemoryStore):
            max_payload = 0

    class Small(MemoryStore):
        max_payload: Any = Size.SMALL

    assert type(Small.max_payload) is int and Small.max_payload == 100
    store = Small()
    assert store.max_payload == 100
    with pytest.raises(ValueError, match="is too large to store: 101 bytes"):
        await store.append("a", 0, [bytes(101)])
    with pytest.raises(ValueError, match=r"max_payload must be an int from 1"):
        store.max_payload = -5
    store.max_payload = 200
    await store.append("a", 0, [bytes(101)])
