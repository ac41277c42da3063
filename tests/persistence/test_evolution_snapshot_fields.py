"""A snapshot whose class lost a stored field since it was taken (a rename to a field with a
default reads that default): recovery passes it over and replays the journal, which holds
every event it stands for, rather than restore a copy that no longer says what it did."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from typing import Any

import pytest

from actorkit import ActorSystem
from actorkit.persistence import EventSourced

from .conftest import UVLOOP_ONLY
from .durable_support import MakeStore
from .evolution_support import deploy, versions
from .evolution_versions import Dep, DepRequired

pytestmark = [pytest.mark.timeout(60), UVLOOP_ONLY]
__all__ = ["versions"]  # the fixture


@dataclass(frozen=True)
class TallyV1:
    count: int
    label: str = ""


@dataclass(frozen=True)
class TallyV2:
    """Version 2 renamed `count`: version 1's snapshots read `total` as its default."""

    total: int = 0
    label: str = ""


class Counter(EventSourced):
    snapshot_every = 3

    def __init__(self) -> None:
        self.n = 0

    def apply(self, event: Any) -> None:
        self.n += event

    def snapshot(self) -> object:
        tally: Any = _current()(self.n)  # `count` in version 1, `total` in version 2
        return tally

    def restore(self, snapshot: Any) -> None:
        self.n = snapshot.count if isinstance(snapshot, TallyV1) else snapshot.total

    async def receive(self, message: Any) -> Any:
        if message != "now":
            await self.persist(message)
        return self.n


def _current() -> type:
    from actorkit import _registry

    return _registry._by_name["evo.Tally"]  # noqa: SLF001 - the version deployed


@pytest.mark.usefixtures("versions")
async def test_a_snapshot_that_lost_a_field_is_passed_over_for_the_journal(
    make: MakeStore, caplog: pytest.LogCaptureFixture
) -> None:
    deploy({"evo.Tally": TallyV1})
    async with asyncio.timeout(30):
        async with ActorSystem("v1", store=make()) as system:
            counter = await system.spawn(Counter, name="c")
            for _ in range(4):  # a snapshot at 3, holding `count` 30; the journal says 40
                await counter.ask(10)
        deploy({"evo.Tally": TallyV2})
        with caplog.at_level(logging.WARNING, logger="actorkit"):
            async with ActorSystem("v2", store=make()) as system:
                counter = await system.spawn(Counter, name="c")
                assert await counter.ask("now") == 40  # the journal's replay, not 0 + 10
                assert await counter.ask(10) == 50  # and a snapshot of version 2 taken
            async with ActorSystem("v2", store=make()) as system:
                counter = await system.spawn(Counter, name="c")
                assert await counter.ask("now") == 50
    said = "\n".join(r.getMessage() for r in caplog.records if r.name == "actorkit")
    for part in ("snapshot 3 of '/c'", "'count'", "'evo.Tally'", "replayed"):
        assert part in said, said
    # the snapshot's lost field is told of once, as the snapshot's, not again as an event's
    assert "they are ignored" not in said, said


class Holder(EventSourced):
    """Restored by default (its attributes): its snapshot holds a stored class, its events
    only ints."""

    snapshot_every = 3

    def __init__(self) -> None:
        self.n = 0
        self.last: object = None

    def apply(self, event: Any) -> None:
        self.n += event
        self.last = Dep(event)

    async def receive(self, message: Any) -> Any:
        if message != "now":
            await self.persist(message)
        return self.n


@pytest.mark.usefixtures("versions")
async def test_a_default_snapshot_that_no_longer_decodes_is_passed_over_for_its_error(
    make: MakeStore, caplog: pytest.LogCaptureFixture
) -> None:
    """What the log says is why the snapshot does not decode, not that the nothing decoded
    in its place is no dict of attributes."""
    async with asyncio.timeout(30):
        async with ActorSystem("v1", store=make()) as system:
            holder = await system.spawn(Holder, name="h")
            for _ in range(3):
                await holder.ask(10)
        deploy({"evo.Dep": DepRequired})
        with caplog.at_level(logging.WARNING, logger="actorkit"):
            async with ActorSystem("v2", store=make()) as system:
                holder = await system.spawn(Holder, name="h")
                assert await holder.ask("now") == 30
    said = "\n".join(r.getMessage() for r in caplog.records if r.name == "actorkit")
    assert "give currency a default" in said, said
    assert "NoneType" not in said, said
