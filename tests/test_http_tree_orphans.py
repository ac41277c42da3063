"""/actors lists no child under a parent that had stopped when the child was read
(docs/observability.md, "/actors"), even where the parent stops first: a spawn cancelled
during its `on_start` closes the new actor at once, while the children that `on_start`
spawned stop after it, as its task unwinds."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import aiohttp
import pytest

from actorkit import Actor, ActorSystem
from actorkit import _tree_body as tree_body
from actorkit._cell import Cell

KIDS = 20


class Kid(Actor):
    """Stays open, its parent already closed, until the test lets it go."""

    release: asyncio.Event
    stopping = 0

    async def on_stop(self) -> None:
        Kid.stopping += 1
        await self.release.wait()


class Starting(Actor):
    """Spawns its children in `on_start`, then never finishes starting."""

    spawned: asyncio.Event

    async def on_start(self) -> None:
        for _ in range(KIDS):
            await self.spawn(Kid)
        self.spawned.set()
        await asyncio.Event().wait()


@pytest.fixture(autouse=True)
def one_node_per_turn(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(tree_body, "SLICE", 1)


def nodes(tree: list[dict[str, Any]]) -> list[dict[str, Any]]:
    found, stack = [], list(tree)
    while stack:
        node = stack.pop()
        found.append(node)
        stack.extend(node["children"])
    return found


async def test_children_of_a_parent_stopped_mid_walk_are_not_listed_under_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Each node's class is read once as it is written: noted with whether its parent, or
    any actor above it, had stopped by then."""
    under_stopped: list[str] = []
    starting_read = asyncio.Event()
    class_name = vars(Cell)["class_name"].fget

    def noted(cell: Cell) -> str:
        above = cell.parent
        while above is not None:
            if above.closed:
                under_stopped.append(cell.path)
            above = above.parent
        if cell.path == "/starting":
            starting_read.set()
        name: str = class_name(cell)
        return name

    Kid.release, Kid.stopping, Starting.spawned = asyncio.Event(), 0, asyncio.Event()
    async with asyncio.timeout(30), ActorSystem() as system:
        server = await system.serve_http(port=0)
        spawning = asyncio.create_task(system.spawn(Starting, name="starting"))
        await Starting.spawned.wait()
        monkeypatch.setattr(Cell, "class_name", property(noted))
        async with aiohttp.ClientSession() as session:
            fetching = asyncio.create_task(session.get(f"{server.url}/actors"))
            await starting_read.wait()  # its children are still to be read
            spawning.cancel()
            with pytest.raises(asyncio.CancelledError):
                await spawning
            async with await fetching as response:
                assert response.status == 200
                body = await response.read()
        monkeypatch.undo()
        stranded = Kid.stopping
        Kid.release.set()
    assert stranded > 0, "the children outlived their parent while the tree was walked"
    assert under_stopped == []
    tree = json.loads(body)
    [starting] = [node for node in nodes(tree["actors"]) if node["path"] == "/starting"]
    assert len(starting["children"]) < starting["children_count"] == KIDS
