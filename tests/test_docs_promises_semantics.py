"""Promises of docs/api.md section 9 ("Precise semantics") that no other test pinned: what
leaving `async with` does when the body raises after the system failed, ..."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from actorkit import Actor, ActorSystem, OneForOne, SystemFailed

BOUND = 5.0


class Failing(Actor):
    async def receive(self, message: Any) -> Any:
        raise ValueError(f"{message} on purpose")


async def fail_the_root(system: ActorSystem) -> None:
    """Makes the root give up at once, then waits until the system has failed."""
    (await system.spawn(Failing)).tell("crash")
    while system.failure is None:
        await asyncio.sleep(0)


@pytest.mark.parametrize(
    "exit_error", [KeyboardInterrupt(), SystemExit(3), asyncio.CancelledError()], ids=repr
)
async def test_an_exit_leaving_async_with_after_a_root_failure_is_not_replaced(
    exit_error: BaseException,
) -> None:
    """An exit (Ctrl-C, `sys.exit(3)`, a cancellation) is the program's way out, as a
    `TaskGroup` lets a `KeyboardInterrupt` through over its children's errors: turned into
    `SystemFailed` it would change the exit status or hide a cancellation from
    `asyncio.timeout` and `TaskGroup`. The failure is logged when it happens."""
    caught: BaseException | None = None
    async with asyncio.timeout(BOUND):
        try:
            async with ActorSystem("exits", supervisor=OneForOne(max_restarts=0)) as system:
                await fail_the_root(system)
                raise exit_error
        except BaseException as error:
            caught = error
    assert caught is exit_error
    assert isinstance(system.failure, BaseException)


async def test_a_body_error_after_a_root_failure_is_the_context_of_system_failed() -> None:
    """An error of the body's own still gives way to `SystemFailed` (the contract: the
    system failed), but is kept as its `__context__`, so the traceback shows both."""
    mine = LookupError("the body's own")
    async with asyncio.timeout(BOUND):
        with pytest.raises(SystemFailed) as raised:
            async with ActorSystem("errors", supervisor=OneForOne(max_restarts=0)) as system:
                await fail_the_root(system)
                raise mine
    assert raised.value.__context__ is mine
    assert raised.value.__cause__ is system.failure
