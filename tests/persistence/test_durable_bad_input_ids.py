"""The bad-input table of durable actors, their persistence ids: a bad one, one a live actor
has, a path too long to be one, and one given to an actor that is not durable are each
refused at spawn, before the actor exists, with an error that says what to change."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

import actorkit
from actorkit import ActorSystem, NameTaken
from actorkit.persistence import MemoryStore

from .durable_bad_input_support import Ledger
from .durable_support import Deposited, Unregistered

pytestmark = pytest.mark.timeout(30)


@pytest.mark.parametrize(
    ("persistence_id", "error", "match"),
    [
        ("", ValueError, "non-empty str of at most 1024 characters"),
        ("x" * 1025, ValueError, "non-empty str of at most 1024 characters"),
        ("\U0001f600" * 257, ValueError, r"at most 1024 characters \(bytes of UTF-8\)"),
        ("acct-\udcff", ValueError, "must be text UTF-8 can encode"),
        (42, TypeError, "persistence_id must be a str"),
        ("acct\x0042", ValueError, r"must not contain NUL .* remove or replace it"),
    ],
)
async def test_a_bad_persistence_id_is_refused_before_the_actor_exists(
    persistence_id: object, error: type[Exception], match: str
) -> None:
    async with ActorSystem("ids", store=MemoryStore()) as system:
        with pytest.raises(error, match=match):
            await system.spawn(Ledger, name="ledger", persistence_id=persistence_id)  # type: ignore[arg-type]
        assert system.lookup("/ledger") is None


class Spawner(actorkit.Actor):
    async def receive(self, message: Any) -> Any:
        return await self.spawn(Ledger, name="child", persistence_id=message)


async def test_a_persistence_id_a_live_actor_has_is_refused_at_spawn_until_it_stops() -> None:
    """Two live instances of one id in one system would only meet at the second one's write
    (a conflict, and a lost command): `spawn` says so at once, as for a sibling's name."""
    async with asyncio.timeout(10):
        async with ActorSystem("ids", store=MemoryStore()) as system:
            web = await system.spawn(Ledger, name="web", persistence_id="order-1")
            await web.ask(Deposited(1))
            taken = r"persistence id 'order-1' is in use by /web, a live actor of this system"
            with pytest.raises(NameTaken, match=taken):
                await system.spawn(Ledger, name="api", persistence_id="order-1")
            assert system.lookup("/api") is None
            spawner = await system.spawn(Spawner, name="spawner")
            with pytest.raises(NameTaken, match=taken):
                await spawner.ask("order-1")
            await system.spawn(Ledger, name="plain")  # its id is its path
            with pytest.raises(NameTaken, match="persistence id '/plain' is in use by /plain"):
                await spawner.ask("/plain")
            with pytest.raises(TypeError, match="event cannot be stored"):
                await web.ask(Unregistered(1))  # a restart: the same actor keeps its id
            assert await web.ask(Deposited(2)) == 3
            await web.stop()
            api = await system.spawn(Ledger, name="api", persistence_id="order-1")
            assert await api.ask(Deposited(4)) == 7
            assert system.healthy


class Chain(actorkit.Actor):
    async def receive(self, message: Any) -> Any:
        if message == 0:
            return await self.spawn(Ledger, name="z" * 255)
        child = await self.spawn(Chain, name="c" * 255)
        return await child.ask(message - 1)


async def test_a_path_too_long_for_a_persistence_id_asks_for_a_shorter_one() -> None:
    async with ActorSystem("ids", store=MemoryStore()) as system:
        top = await system.spawn(Chain, name="top")
        with pytest.raises(ValueError, match="pass persistence_id= to spawn"):
            await top.ask(3)  # /top, three 255-character names, then the ledger: 1028
        assert (await top.ask(2)).path.endswith("z" * 255)


async def test_persistence_id_for_an_actor_that_is_not_durable_is_refused() -> None:
    async with ActorSystem("ids", store=MemoryStore()) as system:
        with pytest.raises(ValueError, match="persistence_id is for durable actors"):
            await system.spawn(actorkit.Actor, persistence_id="x")
        with pytest.raises(ValueError, match="persistence_id is for durable actors"):
            await system.spawn(lambda: Ledger(), persistence_id="x")
