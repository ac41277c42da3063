"""A durable actor's read-only properties (`persistence_id`, `reminders`) hidden by a class
attribute are refused at spawn, as `Actor`'s are: the attribute would say one thing while the
runtime used another (the store's key stays the actor's path)."""

from __future__ import annotations

from typing import Any

import pytest

from actorkit import Actor
from actorkit.persistence import DurableState

from .spawn_refusal_support import refused_at_spawn


class NamedDurable(DurableState):
    persistence_id = "mine"

    async def receive(self, message: Any) -> Any:
        return self.persistence_id


class RemindersList(DurableState):
    reminders: list[str] = []  # type: ignore[assignment]

    async def receive(self, message: Any) -> Any:
        return message


@pytest.mark.parametrize(
    ("cls", "attribute", "what"),
    [
        (NamedDurable, "persistence_id", "persistence id (spawn's persistence_id=, by default "),
        (RemindersList, "reminders", "durable timers (self.reminders.start...)"),
    ],
)
async def test_a_class_attribute_hiding_a_durable_property_is_refused_at_spawn(
    cls: type[Actor], attribute: str, what: str
) -> None:
    text = await refused_at_spawn(cls)
    assert text.startswith(f"{cls.__qualname__}.{attribute} hides the actor's {what}")
    assert text.endswith("provided by the runtime: keep yours under another attribute name")
