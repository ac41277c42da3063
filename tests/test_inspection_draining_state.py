"""An actor draining its mailbox in a shutdown's stop (or as it leaves a pool's shrink) has
begun its stop: `agents()` shows it `stopped` (api.md §9, Tasks: it takes no more tasks), and
`/actors`, `testing.snapshot(s)` and the `actorkit_actors{state}` gauge show it `stopping`,
the state they give an actor whose stop has begun, never `running`."""

from __future__ import annotations

import asyncio
from typing import Any

import aiohttp

from actorkit import Actor, ActorSystem
from actorkit.testing import actor_tree, snapshot, snapshots

from .docs_promises_support import BOUND
from .metrics_truth_support import scraped


class Holder(Actor):
    """An agent whose "hold" messages wait on the events they carry."""

    capabilities = ("work",)

    async def receive(self, message: Any) -> Any:
        entered, release = message
        entered.set()
        await release.wait()


def gauge(system: ActorSystem) -> dict[str, float]:
    return {
        dict(labels)["state"]: value
        for (name, labels), value in scraped(system).items()
        if name == "actorkit_actors" and ("actor_type", "Holder") in labels and value
    }


def seen(system: ActorSystem) -> tuple[str, str, str, str, dict[str, float]]:
    (agent,) = system.agents()
    (node,) = actor_tree(system)["actors"]
    (listed,) = [s for s in snapshots(system) if s.path == "/holder"]
    one = snapshot(system.lookup("/holder"))  # type: ignore[arg-type]
    return agent.state, node["state"], listed.state, one.state, gauge(system)


async def served(url: str) -> str:
    """The state `GET /actors` serves for the one actor (its body is built apart from
    `actor_tree`'s, a slice of nodes per loop turn)."""
    async with aiohttp.ClientSession() as session, session.get(url + "/actors") as response:
        (node,) = (await response.json())["actors"]
        return str(node["state"])


async def test_a_draining_actor_is_stopping_in_every_view_and_stopped_as_an_agent() -> None:
    async with asyncio.timeout(BOUND):
        system = ActorSystem()
        await system.start()
        ref = await system.spawn(Holder, name="holder")
        server = await system.serve_http(port=0)
        first, second = (asyncio.Event(), asyncio.Event()), (asyncio.Event(), asyncio.Event())
        ref.tell(first)
        ref.tell(second)
        await first[0].wait()
        assert seen(system) == ("idle", "running", "running", "running", {"running": 1})
        assert await served(server.url) == "running"
        shutdown = asyncio.ensure_future(system.shutdown(timeout=BOUND))
        while not snapshot(ref).signals:  # the shutdown's draining stop, queued behind `first`
            await asyncio.sleep(0)
        first[1].set()  # its stop begins once this handler returns: then it drains `second`
        await second[0].wait()
        assert seen(system) == ("stopped", "stopping", "stopping", "stopping", {"stopping": 1})
        assert await served(server.url) == "stopping"
        second[1].set()
        await shutdown
        assert system.agents() == [] and snapshots(system) == []


class Member(Actor):
    async def receive(self, message: Any) -> Any:
        entered, release = message
        entered.set()
        await release.wait()


async def test_a_member_leaving_a_shrink_is_stopping_while_it_drains() -> None:
    async with asyncio.timeout(BOUND), ActorSystem() as system:
        pool = await system.spawn_pool(Member, size=2, name="pool")
        held = asyncio.Event(), asyncio.Event()
        leaver = system.lookup("/pool/1")
        assert leaver is not None
        leaver.tell(held)
        await held[0].wait()
        resize = asyncio.ensure_future(pool.resize(1))
        while len(pool.members) == 2:  # the pool handled the resize: `/pool/1` drains
            await asyncio.sleep(0)
        (top,) = actor_tree(system)["actors"]
        states = {node["path"]: node["state"] for node in top["children"]}
        assert states == {"/pool/0": "running", "/pool/1": "stopping"}
        assert snapshot(leaver).state == "stopping"
        held[1].set()
        await resize
