"""The two systems of a rolling deploy the tests of `tests/test_nats_versions_*.py` run: `old`
(the registered classes of `versions_messages`) and `new` (`NEW`, through
`versions_support.another_version`), each exposing a `Keeper` and a pool of them."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from actorkit import Actor, ActorRef, ActorSystem

from .nats_support import SAFETY, NatsServer, link_of, transport
from .versions_messages import NEW, OnlyNew
from .versions_support import another_version


class NewOnlyError(Exception):
    """An exception class the asker's version does not have (nor could rebuild)."""


class Keeper(Actor):
    """Keeps what it gets and answers with it; "raise" raises a class of its own."""

    def __init__(self) -> None:
        self.got: list[Any] = []

    async def receive(self, message: Any) -> Any:
        if message == "got":
            return list(self.got)
        if message == "raise":
            raise NewOnlyError("only the new version has this error")
        if message == "only-new":
            return OnlyNew(1)  # in the new version, which registers it
        self.got.append(message)
        return message


class Versions:
    """Two systems, `old` (the registered classes) and `new` (`NEW`), each exposing a
    Keeper `/k` and a pool of Keepers in the group `<name>-pool`."""

    def __init__(self, old: ActorSystem, new: ActorSystem) -> None:
        self.old = old
        self.new = new
        self.keepers: dict[str, ActorRef] = {}
        self.pools: dict[str, Any] = {}

    async def got(self, name: str) -> list[Any]:
        """What the Keeper and the pool's members of system `name` got, asked locally."""
        got: list[Any] = list(await self.keepers[name].ask("got"))
        pool = self.pools[name]
        for member in pool.members:
            got += await member.ask("got")
        return got


@asynccontextmanager
async def two_versions(server: NatsServer) -> AsyncIterator[Versions]:
    async with (
        asyncio.timeout(SAFETY * 2),
        ActorSystem("old", transport=transport(server)) as old,
        ActorSystem("new", transport=transport(server)) as new,
    ):
        another_version(new, NEW)
        versions = Versions(old, new)
        for system in (old, new):
            keeper = versions.keepers[system.name] = await system.spawn(Keeper, name="k")
            system.expose(keeper)
            pool = versions.pools[system.name] = await system.spawn_pool(Keeper, size=2)
            system.expose(pool, group=f"{system.name}-pool")
            await link_of(system).flush()
        yield versions
