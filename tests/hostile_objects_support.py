"""What the tests of hostile user objects (`tests/test_hostile_objects_*.py`) share: an error
that cannot describe itself, an actor that raises what it is sent, one that records it, a
`hash_key` that raises what it is given, a metrics source that raises, a message whose
`__class__` raises, and an actor that notes its stop (as `tests/test_exception_kinds_exits.py`
does too)."""

from __future__ import annotations

from typing import Any

from actorkit import Actor


class Unprintable(Exception):
    """An error that cannot describe itself, as one holding a half-built object may."""

    def __repr__(self) -> str:
        raise RuntimeError("__repr__ of Unprintable")

    def __str__(self) -> str:
        raise RuntimeError("__str__ of Unprintable")


class Fails(Actor):
    async def receive(self, message: Any) -> Any:
        if isinstance(message, BaseException):
            raise message
        return message


class Recorder(Actor):
    def __init__(self, got: list[object]) -> None:
        self.got = got

    async def receive(self, message: Any) -> Any:
        self.got.append(message)


def key_or_raise(message: object) -> object:
    if isinstance(message, BaseException):
        raise message
    return message


class Stops(Actor):
    def __init__(self, stopped: list[str]) -> None:
        self.stopped = stopped

    async def receive(self, message: Any) -> Any:
        return message

    async def on_stop(self) -> None:
        self.stopped.append(self.path)


def source_raising(error: BaseException) -> Any:
    def source() -> Any:
        raise error

    return source


class Proxy:
    """Stands for another object, as `werkzeug.local.LocalProxy` does, whose `__class__`
    raises outside its context (`isinstance` asks for it)."""

    @property  # type: ignore[misc]
    def __class__(self) -> type:
        raise RuntimeError("working outside of the proxy's context")
