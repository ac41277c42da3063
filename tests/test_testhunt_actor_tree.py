"""`testing.actor_tree(system, path, limit)`: the body `GET /actors` answers, so a limit the
endpoint refuses with a 400 saying what to pass is refused here too, never read as some
other number of nodes; and the views of deep, wide and oddly named trees."""

from __future__ import annotations

from typing import Any

import pytest

from actorkit import Actor, ActorSystem
from actorkit.testing import ManualClock, Probe, actor_tree


class Node(Actor):
    """Spawns `width` children under it, each with `depth - 1` levels below."""

    def __init__(self, depth: int, width: int) -> None:
        self.depth = depth
        self.width = width

    async def on_start(self) -> None:
        for i in range(self.width if self.depth else 0):
            await self.spawn(Node, self.depth - 1, self.width, name=f"c{i}")

    async def receive(self, message: Any) -> None:
        return None


def _count(nodes: list[dict[str, Any]]) -> int:
    return sum(1 + _count(node["children"]) for node in nodes)


def _paths(nodes: list[dict[str, Any]]) -> list[str]:
    return [path for node in nodes for path in (node["path"], *_paths(node["children"]))]


@pytest.mark.parametrize("limit", [0, -1])
async def test_a_limit_below_one_node_is_refused_as_the_endpoint_refuses_it(limit: int) -> None:
    async with ActorSystem(clock=ManualClock()) as system:
        await Probe.spawn(system)
        with pytest.raises(ValueError, match=r"limit must be .*>= 1"):
            actor_tree(system, limit=limit)


@pytest.mark.parametrize("limit", [1.5, "3", True, 2.0])
async def test_a_limit_that_is_no_whole_number_is_refused_saying_what_to_pass(
    limit: object,
) -> None:
    async with ActorSystem(clock=ManualClock()) as system:
        await Probe.spawn(system)
        with pytest.raises(TypeError, match=f"limit must be .*got {type(limit).__name__}"):
            actor_tree(system, limit=limit)  # type: ignore[arg-type]


async def test_a_limit_cuts_a_deep_and_wide_tree_depth_first_in_start_order() -> None:
    async with ActorSystem(clock=ManualClock()) as system:
        await system.spawn(Node, 3, 3, name="top")
        whole = actor_tree(system, "/top")
        assert _count(whole["actors"]) == 1 + 3 + 9 + 27
        assert whole["truncated"] is False
        order = _paths(whole["actors"])
        assert order[:5] == ["/top", "/top/c0", "/top/c0/c0", "/top/c0/c0/c0", "/top/c0/c0/c1"]
        for limit in (1, 7, 39, 40, 41):
            cut = actor_tree(system, "/top", limit)
            assert _paths(cut["actors"]) == order[:limit]
            assert cut["truncated"] is (limit < 40)
        assert actor_tree(system, "/top", 10**30) == whole


async def test_odd_names_keep_their_own_subtree() -> None:
    names = ["a.b", "*", ">", "...", "with space", "ünï", "%2F", "a?b#c", "x" * 255]
    async with ActorSystem(clock=ManualClock()) as system:
        for name in names:
            await system.spawn(Node, 1, 2, name=name)
        for name in names:
            tree = actor_tree(system, f"/{name}")
            assert _paths(tree["actors"]) == [f"/{name}", f"/{name}/c0", f"/{name}/c1"]
        assert [node["name"] for node in actor_tree(system)["actors"]] == names
