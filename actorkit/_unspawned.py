"""The context of an actor instance that no spawn made (`Actor.__new__`)."""

from __future__ import annotations

from collections.abc import Callable
from typing import NoReturn

from ._shown import class_qualname


class Unspawned:
    """The context of an instance made by calling its class instead of `spawn`: any use of it
    (`self.ref`, `self.timers`, `self.stop()`, `persist`...) says so, rather than failing on
    a private attribute. Set only on that path, so spawned actors pay nothing."""

    __slots__ = ("_cls",)

    def __init__(self, cls: type) -> None:
        self._cls = class_qualname(cls)

    def __getattr__(self, name: str) -> NoReturn:
        cls = self._cls
        raise AttributeError(
            f"this {cls} was not spawned, so it has no ref, system, timers or children: create "
            f"actors with `await system.spawn({cls})` (or self.spawn in an actor), not by "
            f"calling {cls}()"
        )

    def __reduce__(self) -> tuple[Callable[[str], Unspawned], tuple[str]]:
        # Copied or pickled with what holds it (the `vars()` of an instance made by calling
        # its class): protocols 0 and 1 refuse slots that nothing rebuilds. Rebuilt with its
        # `_cls`, it is never probed (`__setstate__`) without one, where `__getattr__` recurses.
        return _unspawned, (self._cls,)


def _unspawned(cls: str) -> Unspawned:
    made = object.__new__(Unspawned)
    made._cls = cls
    return made
