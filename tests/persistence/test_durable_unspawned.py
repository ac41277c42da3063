"""A durable actor made by calling its class, not `spawn`: it has no store to write to, and
what would write or name its journal says so instead of failing on a private attribute."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from actorkit.persistence import DurableState, EventSourced

pytestmark = pytest.mark.timeout(10)

NOT_SPAWNED = r"this {} was not spawned, .*`await system\.spawn\({}\)`"


class Leaves(EventSourced):
    """Leaves `apply` to its subclasses, as a user's base class may."""

    async def receive(self, message: Any) -> Any:
        return message


class Kept(DurableState):
    async def receive(self, message: Any) -> Any:
        return message


async def _persist(actor: Any) -> None:
    await actor.persist(1)


async def _save(actor: Any) -> None:
    await actor.save(1)


async def _remind(actor: Any) -> None:
    await actor.reminders.start("k", "tick", 1.0)


async def _persistence_id(actor: Any) -> None:
    actor.persistence_id  # noqa: B018 - the read is what is refused


@pytest.mark.parametrize(
    ("cls", "use"),
    [
        (Leaves, _persist),
        (Leaves, _persistence_id),
        (Leaves, _remind),
        (Kept, _save),
        (Kept, _persistence_id),
    ],
)
async def test_writing_from_an_actor_made_without_spawn_says_to_spawn_it(
    cls: type[EventSourced | DurableState], use: Callable[[Any], Awaitable[None]]
) -> None:
    name = cls.__qualname__
    with pytest.raises(AttributeError, match=NOT_SPAWNED.format(name, name)):
        await use(cls())


def test_the_default_apply_names_the_class_that_lacks_one() -> None:
    """Reached by a subclass's `apply` handing an event on to `super().apply`."""
    with pytest.raises(NotImplementedError, match=r"^Leaves must define apply\(self, event\)$"):
        Leaves().apply("an event")
