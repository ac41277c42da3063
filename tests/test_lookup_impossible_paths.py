"""A path no actor can have (an empty name: a trailing '/', '//', or '/' alone; a relative
step '.' or '..', which paths are not resolved by; a name longer than spawn allows) is a
mistake in the path, refused with a `ValueError` that says what is wrong, as `remote` refuses
it and as `lookup("top")` is refused. It was answered "no actor there" (`lookup` gave None,
`system.ask` raised `NotDelivered`, `/actors?path=` answered 404) while the actor the caller
meant ran: `lookup("/top/")` with `/top` alive."""

from __future__ import annotations

import json
from typing import Any

import pytest

from actorkit import Actor, ActorSystem, NotDelivered
from actorkit.testing import actor_tree

from .http_support import fetch


class Top(Actor):
    async def on_start(self) -> None:
        await self.spawn(Top if self.name == "top" else Leaf, name="c")

    async def receive(self, message: Any) -> Any:
        return self.path


class Leaf(Actor):
    async def receive(self, message: Any) -> Any:
        return self.path


IMPOSSIBLE = [
    ("/", "an empty name"),
    ("/top/", "an empty name"),
    ("//top", "an empty name"),
    ("/top//c", "an empty name"),
    ("/top/./c", "'.' or '..'"),
    ("/top/c/..", "'.' or '..'"),
    ("/" + "t" * 256, "longer than 255 characters"),
]


@pytest.mark.parametrize(("path", "why"), IMPOSSIBLE, ids=[p[:12] for p, _ in IMPOSSIBLE])
async def test_a_path_no_actor_can_have_is_refused_by_lookup_and_ask(path: str, why: str) -> None:
    async with ActorSystem("paths") as system:
        await system.spawn(Top, name="top")
        with pytest.raises(ValueError, match="names of 1 to 255 characters") as refused:
            system.lookup(path)
        assert why in str(refused.value)
        with pytest.raises(ValueError, match="names of 1 to 255 characters"):
            await system.ask(path, "where", timeout=1.0)
        if path != "/":  # the whole tree there
            with pytest.raises(ValueError, match="names of 1 to 255 characters"):
                actor_tree(system, path)


async def test_actors_answers_400_for_such_a_path_and_serves_the_root_at_slash() -> None:
    async with ActorSystem("paths") as system:
        await system.spawn(Top, name="top")
        server = await system.serve_http(port=0)
        status, body = await fetch(f"{server.url}/actors", params={"path": "/top/"})
        assert status == 400
        assert "an empty name" in json.loads(body)["error"]
        status, body = await fetch(f"{server.url}/actors", params={"path": "/"})
        assert status == 200
        assert json.loads(body)["actors"][0]["path"] == "/top"


async def test_paths_any_actor_can_have_are_still_looked_up() -> None:
    async with ActorSystem("paths") as system:
        top = await system.spawn(Top, name="top")
        assert system.lookup("/top") is top
        assert await system.ask("/top/c", "where", timeout=1.0) == "/top/c"
        assert system.lookup("/top/c/c") is not None
        assert system.lookup("/top/elsewhere") is None
        assert system.lookup("/.top") is None  # a name that begins with a dot is a name
        with pytest.raises(NotDelivered, match="no actor at '/nobody'"):
            await system.ask("/nobody", "where", timeout=1.0)


async def test_a_name_of_the_longest_length_spawn_allows_is_looked_up() -> None:
    """255 characters is a name spawn gives, so its path is one some actor can have: where
    no actor has it, the answer is "no actor there", not a mistake in the path."""
    longest = "t" * 255
    async with ActorSystem("longest") as system:
        ref = await system.spawn(Leaf, name=longest)
        assert system.lookup(f"/{longest}") is ref
        assert system.lookup(f"/{longest}/{longest}") is None
        with pytest.raises(NotDelivered, match="no actor at"):
            await system.ask(f"/{'u' * 255}", "where", timeout=1.0)
