"""What a remote asker gets for each kind of error a handler raises: only the allow-list is
rebuilt, from plain arguments; any other class, whatever its `__init__` or pickling, arrives as
`RemoteError` with its qualified name and text."""

from __future__ import annotations

from typing import Any

import pytest

from actorkit import AskTimeout
from actorkit._nats._frames import error_frame, rebuild_error
from actorkit._wire import Codec
from actorkit.nats import RemoteError

from .exception_kinds_support import cause_cycle


class NeedsTwo(Exception):
    """Raised as `NeedsTwo(order, why)`, its `args` only `(order,)`: it cannot be made again
    from them, as many exception classes with their own `__init__` cannot."""

    def __init__(self, order: int, why: str) -> None:
        super().__init__(order)
        self.why = why


class Unpicklable(Exception):
    def __reduce__(self) -> Any:
        raise TypeError("cannot pickle Unpicklable")


@pytest.mark.parametrize(
    ("error", "arrives_as", "text"),
    [
        (ExceptionGroup("handler's group", [ValueError("v")]), "builtins.ExceptionGroup", None),
        (NeedsTwo(7, "reason"), f"{__name__}.NeedsTwo", "7"),
        (Unpicklable("u"), f"{__name__}.Unpicklable", "u"),
        (MemoryError("raised"), "builtins.MemoryError", "raised"),
        (ValueError(b"\xff", object()), ValueError, None),
        (RecursionError("maximum recursion depth exceeded"), RecursionError, None),
        (TimeoutError("the handler's own"), TimeoutError, "the handler's own"),
        (cause_cycle(), ValueError, "first"),
    ],
    ids=[
        "ExceptionGroup",
        "custom_init",
        "unpicklable",
        "MemoryError",
        "unencodable_args",
        "RecursionError",
        "TimeoutError",
        "cause_cycle",
    ],
)
def test_what_a_remote_asker_gets_for_each_kind_of_error(
    error: BaseException, arrives_as: str | type[BaseException], text: str | None
) -> None:
    """Only the allow-list is rebuilt, from plain arguments: any other class, whatever its
    `__init__` or pickling, arrives as `RemoteError` with its qualified name and text; a
    handler's own `TimeoutError` stays one, never the asker's `AskTimeout`."""
    codec = Codec()
    frame = codec.decode(codec.encode(error_frame(error)))
    rebuilt = rebuild_error(*frame[1:])
    if isinstance(arrives_as, str):
        assert type(rebuilt) is RemoteError and rebuilt.type_name == arrives_as
        if text is not None:
            assert rebuilt.message == text
    else:
        assert type(rebuilt) is arrives_as and not isinstance(rebuilt, AskTimeout)
        if text is not None:
            assert str(rebuilt) == text
