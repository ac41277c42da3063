"""/actors and `actor_tree` read an actor's persistence fields without the actor's own
`__getattr__`: one that raises for a name it lacks (a `KeyError`, read from a dict) made the
whole tree a 404 saying `'_durable'` with a store, and `actor_tree` raise it."""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass
from typing import Any

import actorkit
from actorkit import Actor, ActorSystem
from actorkit.persistence import EventSourced, MemoryStore
from actorkit.testing import actor_tree

from .http_support import fetch


class Lookups(Actor):
    """Attributes read from a dict, as a proxy does: a name it lacks raises `KeyError`."""

    def __init__(self) -> None:
        self._data: dict[str, Any] = {}

    def __getattr__(self, name: str) -> Any:
        return self._data[name]

    async def receive(self, message: object) -> object:
        return message


@actorkit.message
@dataclass(frozen=True)
class Counted:
    n: int


class Ledger(EventSourced):
    def __init__(self) -> None:
        self.total = 0

    def apply(self, event: object) -> None:
        assert isinstance(event, Counted)
        self.total += event.n

    async def receive(self, message: object) -> object:
        await self.persist(Counted(1))
        return self.total


async def test_actors_lists_an_actor_whose_getattr_raises_beside_a_durable_one() -> None:
    async with asyncio.timeout(10), ActorSystem(store=MemoryStore()) as system:
        await system.spawn(Lookups, name="lookups")
        await (await system.spawn(Ledger, name="ledger")).ask("count")
        server = await system.serve_http(port=0)
        status, body = await fetch(f"{server.url}/actors")
        assert status == 200, body
        lookups, ledger = json.loads(body)["actors"]
        assert lookups["path"] == "/lookups" and "persistence_id" not in lookups
        assert (ledger["persistence_id"], ledger["sequence_nr"]) == ("/ledger", 1)
        assert json.loads(body) == actor_tree(system)


async def test_actor_tree_lists_an_actor_whose_getattr_raises_without_a_store() -> None:
    async with asyncio.timeout(10), ActorSystem() as system:
        await system.spawn(Lookups, name="lookups")
        [node] = actor_tree(system)["actors"]
        assert node["path"] == "/lookups" and "persistence_id" not in node
