"""What a cadence set by `__init__` promises where the tests of its check did not look: each
test here fails on a one-token change to how `EventSourced` reads `snapshot_every` once an
instance has started (the value checked then, not the attribute, nor the class's)."""

from __future__ import annotations

import asyncio
import re
from typing import Any

import pytest

from actorkit import ActorSystem
from actorkit.persistence import MemoryStore
from actorkit.persistence._payload import encode

from ..int_like_support import Broken, Index
from .test_optshunt_snapshot_every import Added, Tally

pytestmark = pytest.mark.timeout(30)


async def test_an_integer_of_another_type_set_by_init_takes_its_snapshots() -> None:
    """Persist divides by the plain int checked at start: by the `Index` itself, each
    persist past its write would raise a `TypeError`."""
    async with asyncio.timeout(10):
        async with ActorSystem("index", store=(store := MemoryStore())) as system:
            tally = await system.spawn(Tally, Index(2), name="t")
            assert [await tally.ask(1) for _ in range(3)] == [1, 2, 3]
            taken = await store.load_snapshot("/t")
            assert taken is not None
            assert taken.seq == 2


async def test_a_cadence_kept_in_an_earlier_versions_snapshot_is_not_set_back() -> None:
    """A snapshot taken before the default snapshot left the cadence out holds it as state:
    restored, it would set the earlier instance's cadence (2) over this one's (5)."""
    async with asyncio.timeout(10):
        async with ActorSystem("kept", store=(store := MemoryStore())) as system:
            await store.append("/t", 0, [encode(Added(1)) for _ in range(4)])
            await store.save_snapshot("/t", 4, encode({"total": 4, "snapshot_every": 2}))
            tally = await system.spawn(Tally, 5, name="t")
            assert await tally.ask("every") == 5
            assert await tally.ask(1) == 5  # restored: the total is the snapshot's


async def _passed_over(every: Any, caplog: pytest.LogCaptureFixture) -> str:
    """What recovering a `Tally` built with `every` over a snapshot of an earlier shape logs."""
    async with asyncio.timeout(10):
        async with ActorSystem("shape", store=(store := MemoryStore())) as system:
            await store.append("/t", 0, [encode(Added(3))])
            await store.save_snapshot("/t", 1, encode({"sum": 3}))
            tally = await system.spawn(Tally, every, name="t")
            assert await tally.ask(1) == 4  # replayed from the first event
    return caplog.text


async def test_a_passed_over_snapshot_promises_the_next_by_the_cadence_init_set(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The class takes none (0); the instance, built with 2, does: the warning says so."""
    text = await _passed_over(2, caplog)
    assert "passed over" in text
    assert "the actor's next persist takes a snapshot in its current shape" in text


async def test_a_passed_over_snapshot_under_a_zero_of_another_type_promises_none(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """`Index(0)` is a true object but no cadence: the warning reads the checked 0."""
    text = await _passed_over(Index(0), caplog)
    assert "passed over" in text
    assert "snapshot_every is 0" in text


@pytest.mark.parametrize(
    ("every", "end"),
    [
        (2.5, "(an integer of any numbers.Integral type, such as numpy.int64, is taken"),
        (Broken(), "(Broken is a numbers.Integral, but its __index__ gave no int"),
    ],
    ids=["float", "failing __index__"],
)
async def test_a_cadence_set_by_init_that_is_no_integer_is_refused_saying_what_is_taken(
    every: object, end: str
) -> None:
    async with asyncio.timeout(10):
        async with ActorSystem("taken", store=MemoryStore()) as system:
            with pytest.raises(TypeError, match=re.escape(end)):  # README's table
                await system.spawn(Tally, every, name="t")
