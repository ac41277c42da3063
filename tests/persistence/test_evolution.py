"""Stored classes changed between deploys (docs/persistence.md, "Changing stored classes
between deploys"): a compatible change recovers the new version; an incompatible one fails
the recovery with a `PersistenceError` saying where the value is stored, its type, its field
and what to change, or for a snapshot replays the journal instead; nothing stored is lost."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass

import pytest

from actorkit.persistence import PersistenceError

from .conftest import UVLOOP_ONLY
from .durable_support import KINDS as STORES
from .durable_support import MakeStore, SharedMemoryStore
from .evolution_support import (
    ACTORS,
    COMPATIBLE,
    INCOMPATIBLE,
    V1,
    WHERE,
    Case,
    deploy,
    recover,
    versions,
    write,
)
from .evolution_versions import Dep, DepRemoved, DepRenamedDefault

pytestmark = [pytest.mark.timeout(60), UVLOOP_ONLY]
__all__ = ["versions"]  # the fixture

KINDS = list(ACTORS)


def _on_stores(cases: dict[str, Case], kinds: list[str]) -> list[object]:
    """Every case of every kind on the memory store, and the first case of each kind on the
    database stores too: a store keeps a payload as bytes it never reads (BLOB, bytea; the
    conformance suite pins that they come back as written), so what a changed class makes of
    them is decided above the store, the same on each. The database stores' runs show the
    whole path, from the row to the error that names where the value is stored."""
    first = next(iter(cases))
    return [
        pytest.param(store, kind, case, id=f"{name}-{kind}-{store}")
        for name, case in cases.items()
        for kind in kinds
        for store in STORES
        if store == "memory" or name == first
    ]


@pytest.mark.usefixtures("versions")
@pytest.mark.parametrize(("make", "kind", "case"), _on_stores(COMPATIBLE, KINDS), indirect=["make"])
async def test_a_compatible_change_recovers_the_new_version(
    make: MakeStore, kind: str, case: Case
) -> None:
    async with asyncio.timeout(30):
        await write(make(), kind, case.stored)
        deploy(case.deploy)
        recovered = await recover(make(), kind)
    assert recovered == case.expected
    assert repr(recovered) == repr(case.expected)  # 5.0, not 5, in a float field


@pytest.mark.usefixtures("versions")
@pytest.mark.parametrize(
    ("make", "kind", "case"),
    _on_stores(INCOMPATIBLE, ["event", "state", "reminder"]),
    indirect=["make"],
)
async def test_an_incompatible_change_fails_recovery_saying_what_to_change(
    make: MakeStore, kind: str, case: Case
) -> None:
    async with asyncio.timeout(30):
        await write(make(), kind, case.stored)
        deploy(case.deploy)
        with pytest.raises(PersistenceError) as failed:
            await recover(make(), kind)
        said = str(failed.value)
        for part in (WHERE[kind], *case.failure, "Changing stored classes between deploys"):
            assert part in said
        deploy(dict(V1))  # the old version back: nothing was lost
        assert await recover(make(), kind) == case.stored


@pytest.mark.usefixtures("versions")
@pytest.mark.parametrize("case", INCOMPATIBLE.values(), ids=INCOMPATIBLE.keys())
async def test_a_snapshot_that_no_longer_decodes_is_passed_over_for_the_journal(
    make: MakeStore, case: Case, caplog: pytest.LogCaptureFixture
) -> None:
    """The journal holds every event, so recovery replays it from the start rather than fail
    the actor for a copy of its state: `Snapped` keeps nothing in its events, so its state is
    its fresh one."""
    async with asyncio.timeout(30):
        await write(make(), "snapshot", case.stored)
        deploy(case.deploy)
        with caplog.at_level(logging.WARNING, logger="actorkit"):
            assert await recover(make(), "snapshot") is None
        said = "\n".join(r.getMessage() for r in caplog.records if r.name == "actorkit")
        for part in (WHERE["snapshot"], *case.failure, "replay"):
            assert part in said
        deploy(dict(V1))
        assert await recover(make(), "snapshot") == case.stored


@pytest.mark.usefixtures("versions")
@pytest.mark.parametrize("kind", ["event", "state", "reminder"])  # a snapshot: passed over
async def test_a_field_renamed_to_one_with_a_default_is_read_with_a_warning(
    make: MakeStore, kind: str, caplog: pytest.LogCaptureFixture
) -> None:
    """The stored value's field is not the class's: a rename and a field removed beside one
    added look alike, so the value is read, and the field it drops is logged with where it
    is stored, once per type and field."""
    async with asyncio.timeout(30):
        await write(make(), kind, V1["evo.Dep"](7))
        deploy({"evo.Dep": DepRenamedDefault})
        with caplog.at_level(logging.WARNING, logger="actorkit"):
            assert await recover(make(), kind) == DepRenamedDefault(0)
            assert await recover(make(), kind) == DepRenamedDefault(0)
    warned = [r.getMessage() for r in caplog.records if "'amount'" in r.getMessage()]
    assert len(warned) == 1
    for part in (WHERE[kind], "'evo.Dep'", "renamed"):
        assert part in warned[0]


@pytest.mark.usefixtures("versions")
async def test_a_field_removed_from_a_class_without_defaults_is_read_quietly(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """No field of it could have been renamed to one that reads a default: not checked."""
    store = SharedMemoryStore()
    async with asyncio.timeout(30):
        await write(store.another(), "event", Dep(7, "x"))
        deploy({"evo.Dep": DepRemoved})
        with caplog.at_level(logging.WARNING, logger="actorkit"):
            assert await recover(store.another(), "event") == DepRemoved(7)
    assert not [r for r in caplog.records if r.name == "actorkit"]


@dataclass(frozen=True)
class DepChecked:
    """Version 2 of `evo.Dep` that refuses, in its own code, what version 1 let through."""

    amount: int
    note: str | None = None

    def __post_init__(self) -> None:
        if self.amount < 10:
            raise ValueError(f"a deposit is 10 or more, not {self.amount}")


@pytest.mark.usefixtures("versions")
@pytest.mark.parametrize("kind", ["event", "state"])
async def test_a_stored_value_its_class_now_refuses_fails_recovery_with_the_class_s_words(
    kind: str,
) -> None:
    """No field is wrong, so no field is named: the class's own refusal is what to change."""
    store = SharedMemoryStore()
    async with asyncio.timeout(30):
        await write(store.another(), kind, Dep(7))
        deploy({"evo.Dep": DepChecked})
        with pytest.raises(PersistenceError) as failed:
            await recover(store.another(), kind)
    said = str(failed.value)
    assert f"{WHERE[kind]} does not decode: " in said
    assert "a deposit is 10 or more, not 7" in said
    assert "no longer fits" not in said, said
