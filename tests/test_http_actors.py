"""/actors over a real socket: the tree, its counts, a subtree, a node limit, depth (API 7)."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest

from actorkit import Actor, ActorSystem, OneForOne
from actorkit._tree import MAX_DEPTH
from actorkit.testing import actor_tree

from .http_support import Echo, fetch


async def test_actors_shows_the_tree_with_counts_and_restarts() -> None:
    class Parent(Actor):
        async def on_start(self) -> None:
            await self.spawn(Echo, name="child")

    async with ActorSystem("tree") as system:
        server = await system.serve_http(port=0)
        await system.spawn(Parent, name="parent")
        child = system.lookup("/parent/child")
        assert child is not None
        with pytest.raises(ValueError):
            await child.ask("crash")
        await child.ask({"secret": "never shown"})
        status, body = await fetch(f"{server.url}/actors")
        assert status == 200
        tree = json.loads(body)
        assert tree["system"] == "tree"
        assert tree["healthy"] is True
        parent = tree["actors"][0]
        assert (parent["path"], parent["class"], parent["state"]) == (
            "/parent",
            "Parent",
            "running",
        )
        node = parent["children"][0]
        assert node["path"] == "/parent/child"
        assert node["restarts"] == 1
        assert node["failures"] == 1
        assert node["processed"] == 1
        assert (node["accepted"], node["crashed"], node["dead_lettered"]) == (2, 1, 0)
        assert set(node) == {
            "path",
            "name",
            "class",
            "state",
            "mailbox_size",
            "processed",
            "failures",
            "restarts",
            "accepted",
            "crashed",
            "dead_lettered",
            "children_count",
            "children",
        }
        assert "secret" not in body


async def test_actors_counts_a_resumed_failure_as_a_failure_and_no_restart() -> None:
    async with ActorSystem(supervisor=OneForOne(decider={ValueError: "resume"})) as system:
        ref = await system.spawn(Echo, name="echo")
        for _ in range(2):
            with pytest.raises(ValueError):
                await ref.ask("crash")
        [node] = actor_tree(system)["actors"]
    assert (node["failures"], node["restarts"], node["crashed"]) == (2, 0, 2)


async def test_actors_takes_a_subtree_and_a_node_limit_and_refuses_bad_ones() -> None:
    class Branch(Actor):
        async def on_start(self) -> None:
            for i in range(3):
                await self.spawn(Echo, name=f"leaf{i}")

    async with ActorSystem("big") as system:
        server = await system.serve_http(port=0)
        for i in range(3):
            await system.spawn(Branch, name=f"b{i}")
        _, body = await fetch(f"{server.url}/actors")
        whole = json.loads(body)
        assert (whole["total"], whole["truncated"]) == (12, False)
        assert [len(b["children"]) for b in whole["actors"]] == [3, 3, 3]

        _, body = await fetch(f"{server.url}/actors", params={"limit": "5"})
        limited = json.loads(body)
        assert limited["truncated"] is True
        first = limited["actors"][0]  # depth-first, in start order: b0, its 3 leaves, b1
        assert [n["path"] for n in first["children"]] == ["/b0/leaf0", "/b0/leaf1", "/b0/leaf2"]
        second = limited["actors"][1]
        assert (second["path"], second["children_count"], second["children"]) == ("/b1", 3, [])
        assert len(limited["actors"]) == 2

        _, body = await fetch(f"{server.url}/actors", params={"path": "/b2", "limit": "2"})
        sub = json.loads(body)
        assert [n["path"] for n in sub["actors"]] == ["/b2"]
        assert [n["path"] for n in sub["actors"][0]["children"]] == ["/b2/leaf0"]

        for params, status, message in [
            ({"limit": "0"}, 400, "limit must be a whole number of nodes >= 1"),
            ({"limit": "ten"}, 400, "limit must be a whole number"),
            ([("limit", "5"), ("limit", "1")], 400, "pass limit= once, got it 2 times"),
            ([("path", "/b2"), ("path", "/b0")], 400, "pass path= once, got it 2 times"),
            ({"path": "b2"}, 400, "path must be an actor path"),
            ({"depth": "1"}, 400, "unknown parameter 'depth'"),
            ({"path": "/nobody"}, 404, "no actor at '/nobody'"),
        ]:
            got, body = await fetch(f"{server.url}/actors", params=params)
            assert (got, json.loads(body)["error"][: len(message)]) == (status, message)


class Chain(Actor):
    """Each ask makes the next link of a supervision chain and answers its ref."""

    async def receive(self, message: Any) -> Any:
        return await self.spawn(Chain, name="c")


def depth_of(nodes: list[dict[str, Any]]) -> tuple[int, dict[str, Any]]:
    depth, node = 1, nodes[0]
    while node["children"]:
        depth, node = depth + 1, node["children"][0]
    return depth, node


async def test_a_chain_deeper_than_max_depth_answers_200_cut_at_max_depth() -> None:
    links = 1100  # past the recursion limit: a recursive walk or encoding fails long before
    async with asyncio.timeout(30), ActorSystem("deep") as system:
        server = await system.serve_http(port=0)
        ref = await system.spawn(Chain, name="c")
        for _ in range(links - 1):
            ref = await ref.ask("deeper")
        status, body = await fetch(f"{server.url}/actors")
        assert status == 200
        tree = json.loads(body)
        assert (tree["total"], tree["truncated"]) == (links, True)
        depth, deepest = depth_of(tree["actors"])
        assert depth == MAX_DEPTH
        assert (deepest["children_count"], deepest["children"]) == (1, [])
        assert actor_tree(system) == tree  # the testing view is cut where /actors is

        # The levels below are one ?path= away, cut again MAX_DEPTH levels down.
        status, body = await fetch(f"{server.url}/actors", params={"path": deepest["path"]})
        assert status == 200
        below = json.loads(body)
        assert below["actors"][0]["path"] == deepest["path"]
        assert depth_of(below["actors"])[0] == MAX_DEPTH

        # Within MAX_DEPTH of the view's top, nothing is held back.
        last = "/c" * (links - MAX_DEPTH + 1)
        assert actor_tree(system, last)["truncated"] is False
        assert depth_of(actor_tree(system, last)["actors"])[0] == MAX_DEPTH


async def test_the_tree_at_path_slash_is_the_whole_tree() -> None:
    async with ActorSystem() as system:
        await system.spawn(Echo, name="a")
        whole = actor_tree(system)
        assert [node["path"] for node in whole["actors"]] == ["/a"]
        assert actor_tree(system, path="/") == whole


async def test_a_fault_building_the_tree_is_a_500_not_a_path_without_an_actor(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Only a path with no actor is a 404: a `LookupError` raised by the runtime's own walk
    (a fault) must not read as "no actor at" a path that has one."""

    def faulty(_: object) -> str:
        raise KeyError("a fault of the walk")

    async with asyncio.timeout(10), ActorSystem() as system:
        await system.spawn(Echo, name="here")
        server = await system.serve_http(port=0)
        monkeypatch.setattr("actorkit._tree_body.shown_state", faulty)
        got, _ = await fetch(f"{server.url}/actors", params={"path": "/here"})
        assert got == 500
