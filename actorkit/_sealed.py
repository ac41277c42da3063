"""The empty containers a stopped actor's cell keeps in place of its own (`Record.let_go`):
one of each, shared by every stopped actor, so that a ref held to one keeps no queue, signals
list, children or spawn arguments of its own. Each refuses any put with an error, never
swallows it: every put into a closed mailbox checks `closed` or `limit` first, so one that
reaches a sealed container is a fault of the runtime, to be seen, not a message lost."""

from __future__ import annotations

from collections import deque
from typing import Any, NoReturn


def _refuse(*_: object, **__: object) -> NoReturn:
    raise RuntimeError(
        "actorkit fault: a put into a stopped actor's released queue, signals or children; "
        "whatever reaches a closed cell must be refused or dead-lettered first"
    )


class _SealedQueue(deque[Any]):
    __slots__ = ()
    append = appendleft = extend = extendleft = insert = __setitem__ = __iadd__ = __imul__ = _refuse


class _SealedList(list[Any]):
    __slots__ = ()
    append = extend = insert = __setitem__ = __iadd__ = __imul__ = _refuse


class _SealedDict(dict[Any, Any]):
    __slots__ = ()
    __setitem__ = setdefault = update = __ior__ = _refuse


SEALED_QUEUE: deque[Any] = _SealedQueue()
SEALED_SIGNALS: list[Any] = _SealedList()
SEALED_DICT: dict[Any, Any] = _SealedDict()
SEALED_MAILBOX = (SEALED_QUEUE, SEALED_SIGNALS)  # `_receive.run`'s end stores both at once
