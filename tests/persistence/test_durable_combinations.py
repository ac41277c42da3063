"""Durable actors where they meet the rest of the runtime: a `Supervisor`'s `ChildSpec` and
a pool's members, each with the persistence id the API lets them have."""

from __future__ import annotations

from typing import Any

import pytest

from actorkit import Actor, ActorSystem, ChildSpec, OneForOne, Supervisor
from actorkit.persistence import DurableState, MemoryStore

pytestmark = pytest.mark.timeout(30)


class Setting(DurableState):
    """No `__init__` of its own: whatever a spec passes is a spawn option or refused."""

    async def receive(self, message: Any) -> Any:
        if message == "boom":
            raise RuntimeError("boom")
        if message != "get":
            await self.save(message)
        return (self.persistence_id, self.state)


async def test_a_child_spec_gives_its_durable_child_the_persistence_id_it_names() -> None:
    spec = ChildSpec(Setting, name="s", persistence_id="settings")
    async with ActorSystem("spec", store=MemoryStore()) as system:
        await system.spawn(Supervisor, [spec], OneForOne(), name="sup")
        child = system.lookup("/sup/s")
        assert child is not None
        assert await child.ask("dark") == ("settings", "dark")
        child.tell("boom")  # the restarted instance keeps the id and recovers under it
        assert await child.ask("get") == ("settings", "dark")


@pytest.mark.parametrize(
    ("factory", "persistence_id", "error", "says"),
    [
        (Setting, "", ValueError, "persistence_id must be a non-empty str"),
        (Setting, 42, TypeError, "persistence_id must be a str"),
        (Actor, "settings", ValueError, "persistence_id is for durable actors"),
    ],
)
def test_a_child_spec_checks_its_persistence_id_when_built(
    factory: type[Actor], persistence_id: object, error: type[Exception], says: str
) -> None:
    with pytest.raises(error, match=says):
        ChildSpec(factory, name="s", persistence_id=persistence_id)  # type: ignore[arg-type]


async def test_a_pool_refuses_one_persistence_id_for_all_its_members() -> None:
    async with ActorSystem("pool", store=MemoryStore()) as system:
        with pytest.raises(ValueError, match=r"each member's persistence id is its path"):
            await system.spawn_pool(Setting, size=2, name="settings", persistence_id="shared")
        assert system.lookup("/settings") is None  # nothing started
        pool = await system.spawn_pool(Setting, size=2, name="settings")
        assert {await member.ask("get") for member in pool.members} == {
            ("/settings/0", None),
            ("/settings/1", None),
        }
