"""A spawn cancelled during `on_start` leaves nothing addressable (API.md §9): the children
its `on_start` had spawned stop out of the tree, and while they do no path finds them, the
tree's views included, whatever actor takes the name meanwhile. They still count, as the
running actors they are, until they have stopped."""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass, field
from typing import Any

import aiohttp
import pytest

from actorkit import Actor, ActorRef, ActorSystem, NotDelivered
from actorkit.testing import actor_tree


@dataclass
class Hooks:
    """What the test drives the actors with."""

    fail: bool = False
    entered: asyncio.Event = field(default_factory=asyncio.Event)
    stopping: asyncio.Event = field(default_factory=asyncio.Event)
    release: asyncio.Event = field(default_factory=asyncio.Event)
    stopped: asyncio.Event = field(default_factory=asyncio.Event)
    kids: dict[str, ActorRef] = field(default_factory=dict)


class Kid(Actor):
    """Its `on_stop` holds its stop until `release`: out of the tree for as long as the test
    wants (its siblings spawned before it are stopped after it)."""

    def __init__(self, hooks: Hooks) -> None:
        self.hooks = hooks

    async def receive(self, message: Any) -> Any:
        return message

    async def on_stop(self) -> None:
        self.hooks.stopping.set()
        await self.hooks.release.wait()
        self.hooks.stopped.set()


class Spawner(Actor):
    """Spawns a child named by the message, and answers with its ref."""

    async def receive(self, name: str) -> ActorRef:
        return await self.spawn(Spawner, name=name)


class Starts(Actor):
    """`on_start` spawns a `Spawner` (and a child below it) then a `Kid`, then fails or
    never finishes."""

    def __init__(self, hooks: Hooks) -> None:
        self.hooks = hooks

    async def on_start(self) -> None:
        kids = self.hooks.kids
        kids["spawner"] = await self.spawn(Spawner, name="spawner")
        kids["g"] = await kids["spawner"].ask("g")
        kids["kid"] = await self.spawn(Kid, self.hooks, name="kid")
        assert await kids["kid"].ask("hello") == "hello"
        self.hooks.entered.set()
        if self.hooks.fail:
            raise ValueError("on_start failed")
        await asyncio.Event().wait()


ORPHANS = ("/spawner", "/spawner/g", "/kid")


async def cancelled(spawn: Any, hooks: Hooks) -> None:
    """The spawn of a `Starts`, cancelled once its `on_start` spawned its kids: while still
    in it, or once it failed (its cleanup under way); either way the kid's `on_stop` holds."""
    spawning = asyncio.ensure_future(spawn(Starts, hooks, name="x"))
    await (hooks.stopping if hooks.fail else hooks.entered).wait()
    spawning.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await spawning
    assert spawning.cancelled()
    await hooks.stopping.wait()


FAIL = pytest.mark.parametrize("fail", [False, True], ids=["in-on_start", "on_start-failed"])


@FAIL
async def test_no_path_finds_the_children_of_a_cancelled_spawn(fail: bool) -> None:
    hooks = Hooks(fail)
    async with asyncio.timeout(10), ActorSystem() as system:
        server = await system.serve_http(port=0)
        await cancelled(system.spawn, hooks)
        try:
            assert all(kid.is_alive for kid in hooks.kids.values())  # stopping still
            for path in ["/x", *(f"/x{orphan}" for orphan in ORPHANS)]:
                assert system.lookup(path) is None, path
                with pytest.raises(LookupError):
                    actor_tree(system, path)
                async with (
                    aiohttp.ClientSession() as session,
                    session.get(f"{server.url}/actors", params={"path": path}) as response,
                ):
                    assert response.status == 404, path
            with pytest.raises(NotDelivered):
                await system.ask("/x/kid", "hello")
            assert actor_tree(system)["actors"] == []
            # A child spawned below them meanwhile is out of the tree as well.
            late = await hooks.kids["spawner"].ask("late")
            assert late.is_alive
            assert system.lookup("/x/spawner/late") is None
        finally:
            hooks.release.set()
    assert not any(kid.is_alive for kid in hooks.kids.values())
    assert not late.is_alive


class Cancels(Actor):
    """Spawns `Starts` under itself as `x`, and cancels that spawn (`cancelled`)."""

    async def receive(self, hooks: Hooks) -> list[ActorRef]:
        await cancelled(self.spawn, hooks)
        return self.children


@FAIL
async def test_no_path_finds_the_children_of_a_spawn_cancelled_in_an_actor(fail: bool) -> None:
    hooks = Hooks(fail)
    async with asyncio.timeout(10), ActorSystem(metrics=False) as system:
        parent = await system.spawn(Cancels, name="p")
        assert await parent.ask(hooks) == []
        try:
            assert hooks.kids["kid"].is_alive
            assert system.lookup("/p") == parent
            for path in ["/p/x", *(f"/p/x{orphan}" for orphan in ORPHANS)]:
                assert system.lookup(path) is None, path
        finally:
            hooks.release.set()
    assert not any(kid.is_alive for kid in hooks.kids.values())


class Respawned(Actor):
    """Takes the freed name, and spawns its own kid under the path of the first one's."""

    def __init__(self, hooks: Hooks) -> None:
        self.hooks = hooks

    async def on_start(self) -> None:
        self.hooks.kids["kid"] = await self.spawn(Kid, self.hooks, name="kid")


async def kid_metrics(url: str) -> list[str]:
    """The `Kid` class's lines of `/metrics` that count its actors and their messages."""
    async with aiohttp.ClientSession() as session, session.get(f"{url}/metrics") as response:
        text = await response.text()
    return [
        line
        for line in text.splitlines()
        if line.startswith(("actorkit_actors{", "actorkit_messages_processed_total{"))
        and 'actor_type="Kid"' in line
    ]


@FAIL
async def test_a_respawn_owns_the_path_of_a_child_of_the_cancelled_spawn(fail: bool) -> None:
    """The respawned actor's kid is found at the path, before and after the first kid has
    stopped; the first kid is counted, its messages too, until it stopped."""
    hooks, again = Hooks(fail), Hooks(release=asyncio.Event())
    again.release.set()
    async with asyncio.timeout(10), ActorSystem() as system:
        server = await system.serve_http(port=0)
        await cancelled(system.spawn, hooks)
        first = hooks.kids["kid"]
        try:
            count, processed = system.actor_count, system.accounting().processed
            second = await system.spawn(Respawned, again, name="x")
            kid = again.kids["kid"]
            assert system.lookup("/x") == second
            assert system.lookup("/x/kid") == kid != first
            # Read into a local: mypy keeps a property narrowed by an assert past the awaits.
            first_alive = first.is_alive
            assert first_alive
            assert system.actor_count == count + 2
            assert system.accounting().processed == processed
            assert await kid_metrics(server.url) == [
                'actorkit_actors{actor_type="Kid",state="running"} 1.0',
                'actorkit_actors{actor_type="Kid",state="stopping"} 1.0',
                'actorkit_messages_processed_total{actor_type="Kid"} 1.0',
            ]
        finally:
            hooks.release.set()
        await hooks.stopped.wait()  # the first kid's `on_stop` ended, and so it closed
        assert not first.is_alive
        assert system.lookup("/x/kid") == kid
        assert await system.ask("/x/kid", "hello") == "hello"
