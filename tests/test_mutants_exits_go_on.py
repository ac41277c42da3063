"""Where the runtime reads what the user's code gives (an error's `args` and `str()` for a
NATS reply, a metrics source's `__qualname__`, a store's `on_commit` observer), whatever
that code raises is contained, but an exit (`KeyboardInterrupt`, `SystemExit`) is the
program's and goes on. Mutants that swallowed the exits, contained only an `Exception`,
read no `args` at all or kept a `str` subclass as the name survived the behaviour tests."""

from __future__ import annotations

from typing import Any

import pytest

from actorkit._nats._frames import ERROR, error_frame
from actorkit._shown import named
from actorkit.persistence import MemoryStore

EXITS = [KeyboardInterrupt, SystemExit]


class Abort(BaseException):
    """A user's own control-flow signal: no `Exception`, and no exit."""


def error_whose(part: str, raised: type[BaseException]) -> Exception:
    """An error whose `args` or `str()` raises `raised`."""

    class Hostile(Exception):
        if part == "args":

            @property
            def args(self) -> Any:  # type: ignore[override]  # what a hostile class does
                raise raised()

        else:

            def __str__(self) -> str:
                raise raised()

    return Hostile("a", 1)


@pytest.mark.parametrize("part", ["args", "str"])
@pytest.mark.parametrize("exit_raised", EXITS)
def test_an_exit_raised_reading_an_error_for_its_reply_goes_on(
    part: str, exit_raised: type[BaseException]
) -> None:
    with pytest.raises(exit_raised):
        error_frame(error_whose(part, exit_raised))


def test_an_error_whose_str_raises_a_base_exception_crosses_with_a_placeholder_text() -> None:
    frame = error_frame(error_whose("str", Abort))
    assert frame[0] == ERROR
    assert frame[3] == "<str() of the error raised Abort>"


def test_an_errors_scalar_args_cross_as_they_are() -> None:
    assert error_frame(ValueError("bad", 3))[2:] == [["bad", 3], "('bad', 3)"]


class QualnameRaises:
    def __init__(self, raised: type[BaseException]) -> None:
        self.raised = raised

    def __getattr__(self, attribute: str) -> Any:
        """An instance has no `__qualname__` of its own: this is what a proxy gives."""
        raise self.raised() if attribute == "__qualname__" else AttributeError(attribute)


@pytest.mark.parametrize("exit_raised", EXITS)
def test_an_exit_raised_reading_a_sources_name_goes_on(exit_raised: type[BaseException]) -> None:
    with pytest.raises(exit_raised):
        named(QualnameRaises(exit_raised))


class Loud(str):
    """A `str` subclass whose own `__str__` and `__format__` fail: a log line must not."""

    def __str__(self) -> str:
        raise RuntimeError("no str")

    def __format__(self, spec: str) -> str:
        raise RuntimeError("no format")


def test_a_name_of_a_str_subclass_is_given_as_a_plain_str() -> None:
    def source() -> list[Any]:  # pragma: no cover - only named
        return []

    source.__qualname__ = Loud("the_source")
    name = named(source)
    assert type(name) is str
    assert name == "the_source"


@pytest.mark.parametrize("exit_raised", EXITS)
async def test_an_exit_raised_by_a_commit_observer_goes_on(
    exit_raised: type[BaseException],
) -> None:
    """`MemoryStore` observes each write in its caller's own call."""
    store = MemoryStore()

    def observer(writes: int, seconds: float) -> None:
        raise exit_raised()

    store.on_commit = observer
    with pytest.raises(exit_raised):
        await store.append("a", 0, [b"1"])
