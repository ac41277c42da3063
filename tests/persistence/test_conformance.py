"""The store protocol, checked the same way on every store: numbering, fencing, all or none,
snapshots, durable state, reminders and decoded history."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

import pytest

import actorkit
from actorkit.persistence import (
    PersistenceConflict,
    PersistenceError,
    Store,
    StoredReminder,
    StoredSnapshot,
    StoredState,
)
from actorkit.persistence._payload import encode

from .conftest import MakeStore


@actorkit.message("conformance.Deposited")
@dataclass(frozen=True)
class Deposited:
    amount: int


async def collect(store: Store, pid: str, from_seq: int = 1) -> list[tuple[int, bytes]]:
    return [(stored.seq, stored.payload) async for stored in store.read(pid, from_seq)]


async def test_a_store_is_a_store(make_store: MakeStore) -> None:
    async with make_store() as store:
        assert isinstance(store, Store)
        assert await store.highest_seq("nobody") == 0
        assert await collect(store, "nobody") == []
        assert await store.load_snapshot("nobody") is None
        assert await store.load_state("nobody") is None
        assert await store.reminders("nobody") == []


async def test_appends_number_events_in_order(make_store: MakeStore) -> None:
    async with make_store() as store:
        first = await store.append("a", 0, [b"1", b"2"])
        second = await store.append("a", 2, [b"3"])
        assert first <= second
        assert await collect(store, "a") == [(1, b"1"), (2, b"2"), (3, b"3")]
        assert await collect(store, "a", 2) == [(2, b"2"), (3, b"3")]
        assert await collect(store, "a", 4) == []
        assert await store.highest_seq("a") == 3
        times = [stored.time async for stored in store.read("a")]
        assert times == [first, first, second]


async def test_journals_of_different_ids_are_separate(make_store: MakeStore) -> None:
    async with make_store() as store:
        await store.append("a", 0, [b"a1"])
        await store.append("b", 0, [b"b1", b"b2"])
        assert await collect(store, "a") == [(1, b"a1")]
        assert await store.highest_seq("b") == 2


@pytest.mark.parametrize("expected", [0, 1, 3, 7])
async def test_a_stale_or_future_expected_seq_is_a_conflict_and_writes_nothing(
    make_store: MakeStore, expected: int
) -> None:
    async with make_store() as store:
        await store.append("a", 0, [b"1", b"2"])
        with pytest.raises(PersistenceConflict, match="expected sequence number"):
            await store.append("a", expected, [b"x", b"y", b"z"])
        assert await collect(store, "a") == [(1, b"1"), (2, b"2")]


async def test_a_conflict_is_a_persistence_error(make_store: MakeStore) -> None:
    async with make_store() as store:
        await store.append("a", 0, [b"1"])
        with pytest.raises(PersistenceError):
            await store.append("a", 0, [b"1"])


async def test_many_concurrent_appends_one_conflicting_fails_alone(make_store: MakeStore) -> None:
    async with make_store() as store:
        await store.append("bad", 0, [b"0"])
        ids = [f"id{i}" for i in range(40)]
        results = await asyncio.gather(
            *(store.append(pid, 0, [pid.encode(), b"2"]) for pid in ids),
            store.append("bad", 0, [b"never"]),
            return_exceptions=True,
        )
        assert isinstance(results[-1], PersistenceConflict)
        assert all(isinstance(result, float) for result in results[:-1])
        for pid in ids:
            assert await collect(store, pid) == [(1, pid.encode()), (2, b"2")]
        assert await collect(store, "bad") == [(1, b"0")]


async def test_concurrent_appends_to_one_id_never_interleave(make_store: MakeStore) -> None:
    async with make_store() as store:
        results = await asyncio.gather(
            *(store.append("one", 0, [bytes([n]), bytes([n])]) for n in range(10)),
            return_exceptions=True,
        )
        winners = [n for n, result in enumerate(results) if isinstance(result, float)]
        assert len(winners) == 1
        assert all(isinstance(r, PersistenceConflict) for r in results if not isinstance(r, float))
        assert await collect(store, "one") == [(1, bytes(winners)), (2, bytes(winners))]


async def test_snapshots_latest_wins(make_store: MakeStore) -> None:
    async with make_store() as store:
        await store.save_snapshot("a", 10, b"ten")
        await store.save_snapshot("a", 20, b"twenty")
        assert await store.load_snapshot("a") == StoredSnapshot(20, b"twenty")
        await store.save_snapshot("a", 5, b"older")
        assert await store.load_snapshot("a") == StoredSnapshot(20, b"twenty")
        await store.save_snapshot("a", 20, b"again")
        assert await store.load_snapshot("a") == StoredSnapshot(20, b"again")
        assert await store.load_snapshot("b") is None


async def test_state_revisions_are_fenced(make_store: MakeStore) -> None:
    async with make_store() as store:
        assert await store.save_state("s", 0, b"one") == 1
        assert await store.save_state("s", 1, b"two") == 2
        with pytest.raises(PersistenceConflict, match="revision"):
            await store.save_state("s", 1, b"stale")
        with pytest.raises(PersistenceConflict):
            await store.save_state("new", 3, b"ahead")
        assert await store.load_state("s") == StoredState(2, b"two")
        assert await store.load_state("new") is None


async def test_concurrent_state_saves_one_wins(make_store: MakeStore) -> None:
    async with make_store() as store:
        results = await asyncio.gather(
            *(store.save_state("s", 0, bytes([n])) for n in range(8)),
            *(store.save_state(f"other{n}", 0, b"x") for n in range(8)),
            return_exceptions=True,
        )
        assert sum(result == 1 for result in results[:8]) == 1
        assert results[8:] == [1] * 8
        winner = results.index(1)
        assert await store.load_state("s") == StoredState(1, bytes([winner]))


async def test_an_observer_that_fails_does_not_fail_the_writes(
    make_store: MakeStore, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(writes: int, seconds: float) -> None:
        raise RuntimeError("metrics are down")

    async with make_store() as store:
        store.on_commit = broken
        assert isinstance(await store.append("a", 0, [b"1"]), float)
        assert await store.save_state("s", 0, b"state") == 1
        await store.put_reminder("a", StoredReminder("r", 1.0, None, b"m"))
        assert await store.highest_seq("a") == 1
    assert caplog.text.count("commit observer failed") == 3


async def test_reminders_crud(make_store: MakeStore) -> None:
    async with make_store() as store:
        tick = StoredReminder("tick", 100.5, 2.0, b"t")
        once = StoredReminder("once", 50.0, None, b"o")
        await store.put_reminder("a", tick)
        await store.put_reminder("a", once)
        await store.put_reminder("b", once)
        assert await store.reminders("a") == [once, tick]
        moved = StoredReminder("tick", 200.0, None, b"t2")
        await store.put_reminder("a", moved)
        assert await store.reminders("a") == [once, moved]
        assert await store.delete_reminder("a", "once") is True
        assert await store.delete_reminder("a", "once") is False
        assert await store.reminders("a") == [moved]
        assert await store.reminders("b") == [once]


async def test_reminder_times_given_as_ints_read_back_as_floats(make_store: MakeStore) -> None:
    """The SQL stores bind due times as floats; every store returns what they do, so code
    tested on one store sees the same types on another."""
    async with make_store() as store:
        await store.put_reminder("a", StoredReminder("tick", 100, 2, b"t"))
        await store.put_reminder("a", StoredReminder("once", 50, None, b"o"))
        got = await store.reminders("a")
        assert got == [
            StoredReminder("once", 50.0, None, b"o"),
            StoredReminder("tick", 100.0, 2.0, b"t"),
        ]
        assert [(type(r.due), type(r.every)) for r in got] == [(float, type(None)), (float, float)]


async def test_events_decodes_registered_types(make_store: MakeStore) -> None:
    async with make_store() as store:
        await store.append("acct", 0, [encode(Deposited(5)), encode({"note": (1, "x")})])
        got = [item async for item in store.events("acct")]
        assert [(seq, event) for seq, _, event in got] == [
            (1, Deposited(5)),
            (2, {"note": (1, "x")}),
        ]
        assert all(isinstance(time, float) for _, time, _ in got)
        assert [seq async for seq, _, _ in store.events("acct", from_seq=2)] == [2]


@pytest.mark.parametrize(
    "payload",
    [b"\xc1garbage", b"\x90", b"\x92\x01\x02"],
    ids=["not-msgpack", "no-slot", "two-slots"],
)
async def test_events_names_a_row_that_does_not_decode(
    make_store: MakeStore, payload: bytes
) -> None:
    async with make_store() as store:
        await store.append("acct", 0, [encode(1), payload])
        with pytest.raises(PersistenceError, match="event 2 of 'acct' does not decode"):
            [item async for item in store.events("acct")]


@pytest.mark.parametrize(
    ("call", "error"),
    [
        (lambda s: s.append("", 0, [b"x"]), ValueError),
        (lambda s: s.append("a", -1, [b"x"]), ValueError),
        (lambda s: s.append("a", 0, []), ValueError),
        (lambda s: s.append("a", 0, ["text"]), TypeError),
        (lambda s: s.highest_seq(""), ValueError),
        (lambda s: s.save_state("a", -1, b"x"), ValueError),
        (lambda s: s.put_reminder("a", "r"), TypeError),
        (lambda s: s.put_reminder("a", StoredReminder("", 1.0, None, b"")), ValueError),
        (lambda s: s.put_reminder("a", StoredReminder("k", "soon", None, b"")), ValueError),  # type: ignore[arg-type]
        (lambda s: s.put_reminder("a", StoredReminder("k", 1.0, 0.0, b"")), ValueError),
        (lambda s: s.put_reminder("a", StoredReminder("k", float("nan"), None, b"")), ValueError),
        (lambda s: s.put_reminder("a", StoredReminder("k", 1.0, None, "m")), TypeError),  # type: ignore[arg-type]
        (lambda s: s.delete_reminder("a", "k\udcff"), ValueError),
        (lambda s: s.save_state("a", 0, "state"), TypeError),
        (lambda s: s.save_snapshot("a", 1, None), TypeError),
        (lambda s: s.save_snapshot("a", -1, b""), ValueError),
    ],
)
async def test_bad_arguments_are_refused_before_the_store(
    make_store: MakeStore, call: object, error: type[Exception]
) -> None:
    async with make_store() as store:
        with pytest.raises(error):
            await call(store)  # type: ignore[operator]
        assert await store.highest_seq("a") == 0


@pytest.mark.parametrize(
    "call",
    [
        lambda s: s.append("a\x00", 0, [b"x"]),
        lambda s: s.highest_seq("\x00a"),
        lambda s: s.save_state("a\x00b", 0, b"x"),
        lambda s: s.save_snapshot("a\x00b", 1, b"x"),
        lambda s: s.put_reminder("a", StoredReminder("k\x00", 1.0, None, b"m")),
        lambda s: s.delete_reminder("a\x00", "k"),
    ],
)
async def test_a_nul_in_an_id_or_key_is_refused_by_every_store(
    make_store: MakeStore, call: object
) -> None:
    """PostgreSQL's text cannot hold NUL; the others refuse it too rather than keep it."""
    async with make_store() as store:
        with pytest.raises(ValueError, match=r"must not contain NUL .* remove or replace it"):
            await call(store)  # type: ignore[operator]
        assert await store.reminders("a") == []


async def test_a_closed_store_refuses(make_store: MakeStore) -> None:
    store = make_store()
    await store.open()
    await store.open()
    await store.close()
    await store.close()
    with pytest.raises(PersistenceError, match="closed"):
        await store.append("a", 0, [b"x"])
