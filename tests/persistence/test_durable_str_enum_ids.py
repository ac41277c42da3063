"""An id or key given as a `StrEnum` member (or any str subclass) is its plain text: stores
take exactly `str`, a journal should read as the text and not as the member, and the same
text spelled as a plain str is the same actor's data."""

from __future__ import annotations

import enum
from typing import Any

import pytest

from actorkit import ActorSystem, ChildSpec
from actorkit.persistence import DurableState

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
    async with ActorSystem("enum", store=make()) as system:
        acct = await system.spawn(Identified, name="a", persistence_id=Ids.ACCOUNT)
        persistence_id = await acct.ask("id")
        assert type(persistence_id) is str
        assert persistence_id == "account-42"
        assert await acct.ask(5) == 5
        assert await journal(system.store, "account-42") == [Deposited(5)]
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
    async with ActorSystem("keys", store=make()) as system:
        owner = await system.spawn(Reminded, name="owner")
        await owner.ask("start")
        [reminder] = await system.store.reminders("/owner")
        assert type(reminder.key) is str
        assert reminder.key == "nightly"
        await owner.ask("cancel")
        assert await system.store.reminders("/owner") == []
