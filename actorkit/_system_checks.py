"""`ActorSystem`'s own argument checks, each error naming the argument and what to pass."""

from __future__ import annotations

import reprlib

from ._spawn import MAX_NAME, MAX_PATH
from ._supervision import _Strategy

_CLOCK_METHODS = ("now", "call_at", "attach", "detach")


def check_system(name: object, supervisor: object, metrics: object, clock: object) -> None:
    if not isinstance(name, str):
        raise TypeError(f"system name must be a str, got {type(name).__name__}")
    if not name or "/" in name or len(name) > MAX_NAME or not name.isprintable():
        raise ValueError(
            f"system name must be a non-empty str without '/' of at most {MAX_NAME} printable "
            f"characters, got {reprlib.repr(name)}"
        )
    if supervisor is not None and not isinstance(supervisor, _Strategy):
        raise TypeError(
            "supervisor must be a strategy such as OneForOne(max_restarts=3, within=5.0), "
            f"got {type(supervisor).__name__}"
        )
    if not isinstance(metrics, bool):
        raise TypeError(f"metrics must be True or False, got {type(metrics).__name__} {metrics!r}")
    if clock is not None and (
        isinstance(clock, type)
        or not all(callable(getattr(clock, m, None)) for m in _CLOCK_METHODS)
    ):
        raise TypeError(
            "clock must be a clock such as actorkit.testing.ManualClock() (with now(), "
            f"call_at(), attach() and detach()), got {type(clock).__name__}"
        )


def check_path(path: object) -> str:
    if not isinstance(path, str):
        raise TypeError(f"path must be a str such as '/parent/child', got {type(path).__name__}")
    if not path.startswith("/") or len(path) > MAX_PATH or not path.isprintable():
        raise ValueError(
            f"path must be an actor path such as '/parent/child' (at most {MAX_PATH} printable "
            f"characters), got {reprlib.repr(path)}"
        )
    return path
