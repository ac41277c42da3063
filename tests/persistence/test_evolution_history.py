"""After a deploy that no stored value fits, the history stays readable: the journal CLI
prints it, `store.events()` says what to change, and a default snapshot taken by an earlier
shape of the actor is passed over for the journal rather than restored into the new one."""

from __future__ import annotations

import asyncio
import enum
import io
import logging
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from actorkit import ActorSystem, OneForOne, Terminated
from actorkit.persistence import EventSourced, PersistenceError, SQLiteStore
from actorkit.persistence._journal import print_journal

from .conftest import UVLOOP_ONLY
from .durable_support import MakeStore, SharedMemoryStore
from .evolution_support import Log, deploy, versions, write
from .evolution_versions import Dep, DepRenamedDefault, DepRequired
from .test_durable_in_the_runtime import Watcher

ROOT = Path(__file__).resolve().parent.parent.parent
PRELUDE = """\
from dataclasses import dataclass

import actorkit
from actorkit.persistence import EventSourced
"""
pytestmark = [pytest.mark.timeout(60), UVLOOP_ONLY]
__all__ = ["versions"]


@pytest.mark.usefixtures("versions")
async def test_the_journal_cli_prints_events_no_class_fits(tmp_path: Path) -> None:
    path = tmp_path / "j.db"
    async with asyncio.timeout(30):
        await write(SQLiteStore(path), "event", Dep(5))
        deploy({"evo.Dep": DepRequired})
        async with SQLiteStore(path) as store:
            with pytest.raises(PersistenceError, match="give currency a default"):
                [event async for event in store.events("/a")]
        out = io.StringIO()
        assert await print_journal(f"sqlite:///{path}", "/a", out=out) == 0
    assert out.getvalue().endswith("\tevo.Dep(amount=5, note=None)\n")


class Before(EventSourced):
    """Version 1 of an actor whose state is its attributes (the default snapshot)."""

    snapshot_every = 2

    def __init__(self) -> None:
        self.balance = 0

    def apply(self, event: Any) -> None:
        self.balance += event

    async def receive(self, message: Any) -> Any:
        await self.persist(message)
        return self.balance


class After(EventSourced):
    """Version 2: `balance` renamed, and an attribute added that its events feed."""

    snapshot_every = 2

    def __init__(self) -> None:
        self.total = 0
        self.deposits = 0

    def apply(self, event: Any) -> None:
        self.total += event
        self.deposits += 1

    async def receive(self, message: Any) -> Any:
        if message == "now":
            return self.total, self.deposits
        await self.persist(message)
        return self.total


async def test_a_default_snapshot_of_an_earlier_shape_is_passed_over_for_the_journal(
    make: MakeStore, caplog: pytest.LogCaptureFixture
) -> None:
    """Restored, it would leave `total` and `deposits` at what `__init__` set, and apply only
    the events after it: a state no replay gives, and no error."""
    async with asyncio.timeout(30):
        async with ActorSystem("v1", store=make()) as system:
            before = await system.spawn(Before, name="a")
            for amount in (1, 2):
                await before.ask(amount)  # a snapshot at 2
        with caplog.at_level(logging.WARNING, logger="actorkit"):
            async with ActorSystem("v2", store=make()) as system:
                after = await system.spawn(After, name="a")
                assert await after.ask("now") == (3, 2)
                await after.ask(4)  # at 3, between two marks, takes the snapshot owed
            async with ActorSystem("v2", store=make()) as system:
                after = await system.spawn(After, name="a")
                assert await after.ask("now") == (7, 3)
    said = [r.getMessage() for r in caplog.records if r.name == "actorkit"]
    assert len(said) == 1  # the second recovery restored the new snapshot
    for part in ("snapshot 2 of '/a'", "After", "'total', 'deposits'", "replayed"):
        assert part in said[0]


async def test_a_custom_restore_still_gets_what_its_snapshot_returned() -> None:
    """Only the default `restore` is checked against the attributes: a class's own gets the
    snapshot whatever its shape."""
    store = SharedMemoryStore()
    async with asyncio.timeout(30):
        async with ActorSystem("v1", store=store.another()) as system:
            before = await system.spawn(Before, name="a")
            await before.ask(5)
            await before.ask(6)

        class Own(After):
            def snapshot(self) -> object:
                return {"total": self.total}

            def restore(self, snapshot: Any) -> None:
                self.total = snapshot.get("total", snapshot.get("balance"))

        async with ActorSystem("v2", store=store.another()) as system:
            own = await system.spawn(Own, name="a")
            assert await own.ask("now") == (11, 0)  # restored, no event after it


@pytest.mark.usefixtures("versions")
async def test_the_supervisor_decides_on_a_restart_meeting_an_event_no_class_fits() -> None:
    """A deploy's recovery failure is the store failure of any recovery: here the decider
    stops the actor, and a watcher hears why, with what to change."""
    root = OneForOne(decider={PersistenceError: "stop"})
    store = SharedMemoryStore()
    async with asyncio.timeout(30):
        async with ActorSystem("live", store=store, supervisor=root) as system:
            log = await system.spawn(Log, name="a")
            await log.ask(("keep", Dep(5)))
            got: asyncio.Future[Terminated] = asyncio.get_running_loop().create_future()
            await (await system.spawn(Watcher, got, name="w")).ask(log)
            stored = [event.payload async for event in store.read("/a")]
            deploy({"evo.Dep": DepRequired})
            log.tell(("keep", {1, 2}))  # a TypeError: restarted, and the recovery fails
            terminated = await got
        assert isinstance(terminated.reason, PersistenceError)
        assert "event 1 of '/a'" in str(terminated.reason)
        assert "give currency a default" in str(terminated.reason)
        assert [event.payload async for event in store.read("/a")] == stored


@dataclass(frozen=True)
class Euros:
    """What version 1 of the docs' sample stored as "ledger.Deposited"."""

    amount: int


@dataclass(frozen=True)
class Deposit:
    amount: int


@pytest.mark.usefixtures("versions")
async def test_the_docs_migration_sample_reads_old_events_beside_new_ones() -> None:
    text = (ROOT / "docs" / "persistence.md").read_text()
    section = text[text.index("## Changing stored classes between deploys") :]
    code = re.findall(r"```python\n(.*?)```", section, re.S)[0]
    store = SharedMemoryStore()
    async with asyncio.timeout(30):
        deploy({"ledger.Deposited": Euros})
        await write(store.another(), "event", Euros(5))
        deploy({"ledger.Deposited": None})  # version 2 registers its own class under it
        namespace: dict[str, Any] = {"__name__": "docs_sample", "Deposit": Deposit}
        exec(compile(PRELUDE + code, "<docs sample>", "exec", dont_inherit=True), namespace)
        ledger = namespace["Ledger"]
        async with ActorSystem("v2", store=store.another()) as system:
            ref = await system.spawn(ledger, name="l", persistence_id="/a")
            assert await ref.ask(Deposit(2)) == 700
        async with ActorSystem("v2", store=store.another()) as system:
            ref = await system.spawn(ledger, name="l", persistence_id="/a")
            assert await ref.ask("cents") == 700


class Color(enum.Enum):
    RED = "red"


class Level(enum.IntEnum):
    LOW = 1


@pytest.mark.usefixtures("versions")
@pytest.mark.parametrize("member", [Color.RED, Level.LOW])
async def test_an_enum_member_is_no_stored_value(member: enum.Enum) -> None:
    """So removing an `Enum` value cannot strand a stored one: a `Literal` or a `str` is
    stored instead, which the table covers."""
    store = SharedMemoryStore()
    async with asyncio.timeout(30), ActorSystem("e", store=store) as system:
        log = await system.spawn(Log, name="a")
        with pytest.raises(TypeError, match="cannot encode"):
            await log.ask(("keep", Dep(5, member)))  # type: ignore[arg-type]
        assert [event async for event in store.read("/a")] == []


@pytest.mark.usefixtures("versions")
async def test_store_events_warns_of_a_stored_field_its_class_no_longer_has(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The history read by a tool meets a renamed field as recovery does: the value is read,
    and the field it drops is logged with the event it is stored in."""
    store = SharedMemoryStore()
    async with asyncio.timeout(30):
        await write(store.another(), "event", Dep(7))
        deploy({"evo.Dep": DepRenamedDefault})
        with caplog.at_level(logging.WARNING, logger="actorkit"):
            async with store.another() as reading:
                events = [event async for _, _, event in reading.events("/a")]
    assert events == [DepRenamedDefault(0)]
    warned = [r.getMessage() for r in caplog.records if "'amount'" in r.getMessage()]
    assert len(warned) == 1
    assert "event 1 of '/a'" in warned[0]
    assert "convert the old one in apply" in warned[0]
