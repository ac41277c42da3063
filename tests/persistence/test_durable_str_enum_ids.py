"""An id or key given as a `StrEnum` member (or any str subclass) is its plain text: stores
take exactly `str`, a journal should read as the text and not as the member, and the same
text spelled as a plain str is the same actor's data."""

from __future__ import annotations

import asyncio
import enum
from typing import Any

import pytest

from actorkit import ActorSystem, ChildSpec
from actorkit.persistence import DurableState, MemoryStore

from .durable_support import Deposited, MakeStore, journal
from .event_sourced_support import Account

pytestmark = pytest.mark.timeout(30)


class Ids(enum.StrEnum):
    ACCOUNT = "account-42"
    NIGHTLY = "nightly"


class Identified(Account):
    async def receive(self, message: Any) -> Any:
        if message == "id":
            return self.persistence_id
        return await super().receive(message)


async def test_a_str_enum_persistence_id_is_stored_as_its_plain_value(make: MakeStore) -> None:
    async with ActorSystem("enum", store=(store := make())) as system:
        acct = await system.spawn(Identified, name="a", persistence_id=Ids.ACCOUNT)
        persistence_id = await acct.ask("id")
        assert type(persistence_id) is str
        assert persistence_id == "account-42"
        assert await acct.ask(5) == 5
        assert await journal(store, "account-42") == [Deposited(5)]
    async with ActorSystem("plain", store=make()) as system:
        again = await system.spawn(Identified, name="a", persistence_id="account-42")
        assert await again.ask("started_with") == 5


def test_a_child_spec_keeps_a_str_enum_persistence_id_as_its_plain_value() -> None:
    spec = ChildSpec(Identified, name="a", persistence_id=Ids.ACCOUNT)
    assert type(spec.persistence_id) is str
    assert spec.persistence_id == "account-42"


class Reminded(DurableState):
    async def receive(self, message: Any) -> Any:
        if message == "start":
            await self.reminders.start(Ids.NIGHTLY, "wake", 60.0)
        else:
            await self.reminders.cancel(Ids.NIGHTLY)


async def test_a_str_enum_reminder_key_is_stored_as_its_plain_value(make: MakeStore) -> None:
    async with ActorSystem("keys", store=(store := make())) as system:
        owner = await system.spawn(Reminded, name="owner")
        await owner.ask("start")
        [reminder] = await store.reminders("/owner")
        assert type(reminder.key) is str
        assert reminder.key == "nightly"
        await owner.ask("cancel")
        assert await store.reminders("/owner") == []


class Unstorable(enum.StrEnum):
    NUL = "a\x00b"
    SURROGATE = "a\udcffb"
    LONG = "x" * 1025


WHY = {"NUL": "NUL", "SURROGATE": "lone surrogate", "LONG": "at most 1024"}


class Spawner(DurableState):
    """Spawns a child, or starts or cancels a reminder, with the id or key it is asked for."""

    async def receive(self, message: Any) -> Any:
        verb, value = message
        if verb == "spawn":
            return await self.spawn(Identified, persistence_id=value)
        if verb == "start":
            return await self.reminders.start(value, "wake", 60.0)
        return await self.reminders.cancel(value)


@pytest.mark.parametrize("member", list(Unstorable), ids=lambda member: member.name)
async def test_a_str_enum_member_no_store_can_keep_is_refused_at_every_entry(
    member: Unstorable,
) -> None:
    """The member's text is checked as a plain str's would be, before anything is stored:
    spawn on the system and on an actor, a ChildSpec, and reminders.start and cancel (which
    takes a key too long to store, to end a reminder another program stored under it)."""
    why = WHY[member.name]
    with pytest.raises(ValueError, match=why):
        ChildSpec(Identified, name="a", persistence_id=member)
    async with asyncio.timeout(10), ActorSystem("bad", store=(store := MemoryStore())) as system:
        with pytest.raises(ValueError, match=why):
            await system.spawn(Identified, name="a", persistence_id=member)
        owner = await system.spawn(Spawner, name="owner")
        long = member is Unstorable.LONG  # a row of another program's may hold it: cancel takes it
        for verb in ("spawn", "start") if long else ("spawn", "start", "cancel"):
            with pytest.raises(ValueError, match=why):
                await owner.ask((verb, member))
        if long:
            assert await owner.ask(("cancel", member)) is False
        assert await store.reminders("/owner") == []


class Names(enum.StrEnum):
    ACCOUNT = "acct"
    POOL = "workers"


async def test_the_path_of_an_actor_or_pool_member_named_by_a_str_enum_is_a_plain_str() -> None:
    """The default persistence id is the path, built from the name: plain text too."""
    async with asyncio.timeout(10), ActorSystem("names", store=MemoryStore()) as system:
        acct = await system.spawn(Identified, name=Names.ACCOUNT)
        pool = await system.spawn_pool(Identified, size=1, name=Names.POOL)
        ids = [await acct.ask("id"), await pool.ask("id")]
        assert [(pid, type(pid)) for pid in ids] == [("/acct", str), ("/workers/0", str)]


async def test_a_store_called_with_a_str_enum_member_says_to_pass_its_value(
    make: MakeStore,
) -> None:
    """The store's own methods take exactly `str` (what spawn turns a member into): called
    with the member itself, to read the journal of an actor spawned with it, the refusal
    says what to pass, not that a non-empty str is needed."""
    async with make() as store:
        with pytest.raises(ValueError, match=r"persistence_id must be exactly a str.*\.value"):
            await store.highest_seq(Ids.ACCOUNT)
        with pytest.raises(ValueError, match=r"a reminder key must be exactly a str.*\.value"):
            await store.delete_reminder("account-42", Ids.NIGHTLY)
