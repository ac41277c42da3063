"""One writer per persistence id: a second gets a conflict; the id is kept across restarts."""

from __future__ import annotations

from typing import Any

import pytest

from actorkit import ActorSystem
from actorkit.persistence import PersistenceConflict

from .durable_support import MakeStore, journal
from .event_sourced_support import Account

pytestmark = pytest.mark.timeout(30)


async def test_a_second_writer_of_one_id_gets_a_conflict_and_never_interleaves(
    make: MakeStore,
) -> None:
    async with (
        ActorSystem("first", store=(first_store := make())) as first,
        ActorSystem("second", store=(second_store := make())) as second,
    ):
        a = await first.spawn(Account, name="acct")
        b = await second.spawn(Account, name="acct")  # same path: same persistence id
        await a.ask(1)
        await a.ask(2)
        with pytest.raises(PersistenceConflict):
            await b.ask(100)
        assert [e.amount for e in await journal(first_store, "/acct")] == [1, 2]
        # Restarted by its supervisor, the second one has seen the journal: it may go on,
        # and now the first one is the stale writer.
        assert await b.ask(4) == 7
        with pytest.raises(PersistenceConflict):
            await a.ask(8)
        assert [e.amount for e in await journal(second_store, "/acct")] == [1, 2, 4]


async def test_persistence_id_is_given_at_spawn_and_kept_across_restarts(make: MakeStore) -> None:
    async with ActorSystem("ids", store=(store := make())) as system:
        acct = await system.spawn(Account, name="a", persistence_id="account-42")
        await acct.ask(6)
        acct.tell("crash")
        assert await acct.ask(1) == 7

        class Parent(Account):
            async def receive(self, message: Any) -> Any:
                child = await self.spawn(Account, name="child", persistence_id="account-42")
                return await child.ask("started_with")

        await acct.stop()
        parent = await system.spawn(Parent, name="parent")
        assert await parent.ask("spawn") == 7
        assert len(await journal(store, "account-42")) == 2
        assert await journal(store, "/a") == []
