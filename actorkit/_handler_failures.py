"""What a handler's failure is reported as, and what its asker is answered, by the receive
loop (`_receive`)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ._errors import ActorStopped, NotDelivered
from ._failure import as_handler_failure
from ._shown import shown

if TYPE_CHECKING:
    from ._cell import Cell


def handler_failure(error: BaseException, cell: Cell, instance: Any) -> BaseException:
    """What a handler's `error` is reported as. A `TypeError` raised in the loop's own frame
    (none of the user's below it) is the loop's call and await of `receive` failing; with a
    `self.receive` that a handler or `__init__` assigned, it is no async callable taking the
    message, which no check at spawn sees, and Python's own words ("object str can't be used
    in 'await' expression") would not say what to change. (A class's `receive` is checked
    at spawn, and its wrong signature is said well enough by Python.)"""
    trace = error.__traceback__
    if (
        type(error) is TypeError
        and trace is not None
        and trace.tb_next is None
        and "receive" in getattr(instance, "__dict__", ())
    ):
        failure = TypeError(
            f"receive of {cell.display_path} could not be called and awaited with the message "
            f"({error}): assign `self.receive` an async callable taking the message, such as "
            "an `async def`"
        )
        failure.__cause__ = error
        return failure
    return as_handler_failure(error, cell)


def answer_to(failure: BaseException, cell: Cell, future: object) -> BaseException:
    """What the asker gets for a handler's failure: the failure, but for a `NotDelivered`
    the handler let out of an ask of its own. That one tells its asker the request was not
    handled, so that a retry cannot run it twice, and this one was: a plain `ActorStopped`
    caused by it instead (the supervisor still decides on the `NotDelivered` itself). A
    task's attempt keeps it: a task fails with its agent's error, and its submitter is
    promised nothing by a `NotDelivered` (one never begun is retried by the task layer)."""
    if not isinstance(failure, NotDelivered) or getattr(future, "takes_failures_as_raised", False):
        return failure
    answer = ActorStopped(
        f"receive of {cell.display_path} raised {shown(failure)}: the ask was handled, so "
        "a retry may run it twice"
    )
    answer.__cause__ = failure
    return answer
