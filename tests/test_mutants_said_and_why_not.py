"""How the runtime quotes an error whose `__str__` fails (`_shown.said`) and why a NATS start
did not connect (`_nats._closing.why_not`), and how a size hint names a factory that has no
name of its own. Mutants that swallowed an exit raised by `__str__`, named the error instead
of what its `__str__` raised, dropped the cause of a start with nothing heard or of an
error with no text, or named every nameless factory "factory" survived the behaviour tests."""

from __future__ import annotations

import asyncio
import functools
from typing import Any

import pytest

from actorkit import Actor, ActorSystem
from actorkit._nats._closing import why_not
from actorkit._shown import said


class Abort(BaseException):
    """A library's own control-flow signal: no `Exception`, and no exit."""


def error_whose_str_raises(raised: type[BaseException], kind: type[Exception] = Exception) -> Any:
    class Unsayable(kind):  # type: ignore[valid-type,misc]  # a class made per test
        def __str__(self) -> str:
            raise raised()

    return Unsayable()


@pytest.mark.parametrize("exit_", [KeyboardInterrupt, SystemExit])
def test_an_exit_raised_by_str_goes_on(exit_: type[BaseException]) -> None:
    with pytest.raises(exit_):
        said(error_whose_str_raises(exit_))


def test_what_str_raised_is_named_not_the_error_s_own_class() -> None:
    assert said(error_whose_str_raises(Abort)) == "<str() of the error raised Abort>"


def test_a_start_with_nothing_heard_says_no_answer() -> None:
    assert why_not(None) == "no answer"


def test_an_error_with_no_text_is_named_by_its_kind() -> None:
    assert why_not(ConnectionResetError()) == "ConnectionResetError, with no message"


def test_an_error_whose_str_raises_is_quoted_as_what_it_raised() -> None:
    error = error_whose_str_raises(ValueError, OSError)
    assert why_not(error) == "<str() of the error raised ValueError>"


class Worker(Actor):
    async def receive(self, message: Any) -> Any:
        return message


def make_worker() -> Worker:
    return Worker()


async def test_a_size_hint_names_a_partial_by_its_repr() -> None:
    async with asyncio.timeout(5), ActorSystem() as system:
        with pytest.raises(TypeError, match="pass size=4") as refused:
            await system.spawn_pool(functools.partial(make_worker), 4)
    assert str(refused.value).startswith("functools.partial(<function make_worker")
