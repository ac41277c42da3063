"""`actorkit.testing.actor_tree(system, path=...)` reads its path as the value it is, as
`lookup` does: it compared it with "/" first, which ran the object's own `__eq__` (a str
subclass's, or any object's), and what that raised came out of the test helper."""

from __future__ import annotations

import pytest

from actorkit import Actor, ActorSystem
from actorkit.testing import actor_tree

from .hostile_values import Opaque, RaisingText


class Leaf(Actor):
    pass


async def test_a_path_of_another_type_is_refused_naming_path() -> None:
    async with ActorSystem("tree") as system:
        with pytest.raises(TypeError, match="path must be a str"):
            actor_tree(system, path=Opaque())  # type: ignore[arg-type]


@pytest.mark.parametrize("path", ["/", "/leaf"])
async def test_a_str_subclass_is_read_as_its_text(path: str) -> None:
    async with ActorSystem("tree") as system:
        await system.spawn(Leaf, name="leaf")
        plain = actor_tree(system, path=path)
        assert actor_tree(system, path=RaisingText(path)) == plain
