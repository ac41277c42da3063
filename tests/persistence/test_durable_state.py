"""DurableState: `self.state` loaded before `on_start`, saved whole, fenced by its revision."""

from __future__ import annotations

from typing import Any

import pytest

from actorkit import ActorSystem
from actorkit.persistence import DurableState, PersistenceConflict

from .durable_support import Deposited, MakeStore, Unregistered

pytestmark = pytest.mark.timeout(30)


class Profile(DurableState):
    async def on_start(self) -> None:
        self.seen_at_start = self.state

    async def receive(self, message: Any) -> Any:
        if message == "seen_at_start":
            return self.seen_at_start
        if message == "crash":
            raise RuntimeError("crash")
        if message != "get":
            await self.save(message)
        return self.state


async def test_state_is_none_until_the_first_save_and_loaded_before_on_start(
    make: MakeStore,
) -> None:
    async with ActorSystem("one", store=make()) as system:
        profile = await system.spawn(Profile, name="p")
        assert await profile.ask("seen_at_start") is None
        assert await profile.ask({"name": "Ada", "tags": ("a", "b")}) == {
            "name": "Ada",
            "tags": ("a", "b"),
        }
        await profile.ask(Deposited(3))
        profile.tell("crash")
        assert await profile.ask("seen_at_start") == Deposited(3)
    async with ActorSystem("two", store=make()) as system:
        profile = await system.spawn(Profile, name="p")
        assert await profile.ask("seen_at_start") == Deposited(3)


async def test_a_state_the_codec_refuses_is_a_type_error_and_the_old_one_stays(
    make: MakeStore,
) -> None:
    async with ActorSystem("bad", store=make()) as system:
        profile = await system.spawn(Profile, name="p")
        await profile.ask(1)
        with pytest.raises(TypeError, match="state cannot be stored"):
            await profile.ask(Unregistered(2))
        with pytest.raises(TypeError) as refused:
            await profile.ask({"items": {"apple"}})
        assert str(refused.value).startswith(
            "state cannot be stored: cannot encode a builtins.set at ['items']: values that "
            "cross to another system or into a store are None, bool, int"
        )
        assert await profile.ask("get") == 1
        profile.tell("crash")
        assert await profile.ask("seen_at_start") == 1


async def test_a_second_writer_gets_a_conflict_on_the_revision(make: MakeStore) -> None:
    async with (
        ActorSystem("first", store=make()) as first,
        ActorSystem("second", store=make()) as second,
    ):
        a = await first.spawn(Profile, name="p")
        b = await second.spawn(Profile, name="p")
        await a.ask("from a")
        with pytest.raises(PersistenceConflict, match="revision"):
            await b.ask("from b")
        assert await b.ask("seen_at_start") == "from a"  # restarted, it loaded a's revision
        assert await b.ask("from b") == "from b"
        with pytest.raises(PersistenceConflict):
            await a.ask("from a again")
