"""Two versions of the same message classes in one process, as in a rolling deploy.

The registry of `actorkit.message` is one per process, so a system stands for a process of
another version through its transport's codec: `another_version(system, classes)` makes
that system encode and decode the wire names of `classes` (wire name to class) with those
classes instead of the registered ones, for the rest of its life.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from actorkit import ActorSystem, _wire
from actorkit._registry import class_named, name_of
from actorkit._wire import Codec

from .nats_support import link_of


class OtherVersion(Codec):
    """The codec of a process where the classes of `classes` are registered under their
    wire names, and the rest as in this one."""

    def __init__(self, classes: dict[str, type | None]) -> None:
        self._classes = classes
        self._names = {cls: name for name, cls in classes.items() if cls is not None}
        super().__init__()

    @contextmanager
    def _registry(self) -> Iterator[None]:
        module = vars(_wire)
        kept = {"class_named": module["class_named"], "name_of": module["name_of"]}
        module.update(class_named=self._class_named, name_of=self._name_of)
        try:
            yield
        finally:
            module.update(kept)

    def _class_named(self, wire: str) -> type | None:
        """None for a name mapped to None: a class this version does not have."""
        return self._classes[wire] if wire in self._classes else class_named(wire)

    def _name_of(self, cls: type) -> str | None:
        return self._names.get(cls) or name_of(cls)

    def wire(self, value: Any) -> Any:
        with self._registry():
            return super().wire(value)

    def _ext(self, code: int, data: memoryview) -> Any:
        with self._registry():
            return super()._ext(code, data)


def another_version(system: ActorSystem, classes: dict[str, type | None]) -> None:
    link_of(system)._core.codec = OtherVersion(classes)  # noqa: SLF001
