"""A user object whose `__repr__` raises a `BaseException` that is no `Exception`, where the
runtime only meant to describe it (a refusal quoting a wrong argument, a crash report). Decided
as `_shown.named` decides for `__qualname__`: `KeyboardInterrupt` and `SystemExit` are the
program's exit, wherever they come from, and go through; any other (a library's own
`BaseException`, a stray `GeneratorExit` or `CancelledError`) is the object's failure to
describe itself and must not cost the report: the object is named by its class instead."""

from __future__ import annotations

import asyncio

import pytest

from actorkit import ActorSystem

from .hardening_support import BOUND
from .hostile_objects_support import Fails


class Odd(BaseException):
    """A library's own `BaseException` (as gevent's `GreenletExit` and trio's `Cancelled`
    are), raised by a `__repr__`."""


class Unreadable:
    """A value whose `__repr__` raises what it was made with."""

    def __init__(self, error: BaseException) -> None:
        self.error = error

    def __repr__(self) -> str:
        raise self.error


class UnreadableError(Exception):
    """An error whose `__repr__` raises `Odd`."""

    def __repr__(self) -> str:
        raise Odd


@pytest.mark.parametrize(
    "error", [Odd(), GeneratorExit(), asyncio.CancelledError()], ids=["own", "gen-exit", "cancel"]
)
async def test_a_refusal_quotes_a_value_whose_repr_raises_a_base_exception_by_its_class(
    error: BaseException,
) -> None:
    async with ActorSystem(metrics=False) as system:
        ref = await system.spawn(Fails)
        async with asyncio.timeout(BOUND):
            with pytest.raises(TypeError, match=r"<Unreadable instance>"):
                await ref.stop(timeout=Unreadable(error))  # type: ignore[arg-type]
            assert await ref.ask("after") == "after"


@pytest.mark.parametrize("exit_", [KeyboardInterrupt, SystemExit])
async def test_an_exit_raised_by_a_repr_stays_the_programs_exit(
    exit_: type[BaseException],
) -> None:
    async with ActorSystem(metrics=False) as system:
        ref = await system.spawn(Fails)
        async with asyncio.timeout(BOUND):
            with pytest.raises(exit_):
                await ref.stop(timeout=Unreadable(exit_()))  # type: ignore[arg-type]


async def test_the_crash_report_of_an_error_whose_repr_raises_a_base_exception_is_logged(
    caplog: pytest.LogCaptureFixture,
) -> None:
    async with ActorSystem(metrics=False) as system:
        ref = await system.spawn(Fails, name="e")
        async with asyncio.timeout(BOUND):
            with pytest.raises(UnreadableError):
                await ref.ask(UnreadableError())
            assert await ref.ask("after") == "after"
    reports = [r for r in caplog.records if getattr(r, "actor_path", None) == "/e"]
    assert len(reports) == 1
    assert "failed handling UnreadableError: <UnreadableError instance>" in reports[0].getMessage()
