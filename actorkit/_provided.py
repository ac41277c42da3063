"""What the runtime provides on every actor, read-only (`Actor.ref`, `.name`...), and the
setter that refuses an assignment to one, saying what to do instead."""

from __future__ import annotations

from typing import TYPE_CHECKING, NoReturn

if TYPE_CHECKING:
    from ._actor import Actor

PROVIDED = {
    "ref": "ref",
    "name": "name (spawn's name=, or a generated one)",
    "path": "path",
    "system": "actor system",
    "parent": "parent's ref",
    "children": "children's refs",
    "timers": "timers (self.timers.start_once...)",
}
"""What the runtime provides on every actor, read-only: the classes users bring often keep
a `name`, a `path` or a list of `timers` of their own, which Python would refuse with only
"property 'name' of 'Worker' object has no setter"."""


DESCRIBED: dict[str, str] = {}
"""Every attribute `read_only` made, with what it is: those of `Actor` and of the durable
bases, which a class attribute of the same name would hide (`_own_names.check_class`)."""


def read_only(prop: property, attribute: str, what: str) -> property:
    """`prop` with a setter that refuses, saying what the attribute is and what to do."""
    DESCRIBED[attribute] = what

    def setter(self: Actor, value: object) -> NoReturn:
        raise AttributeError(
            f"self.{attribute} is the actor's {what}, provided by the runtime: keep yours "
            "under another attribute name"
        )

    return prop.setter(setter)
