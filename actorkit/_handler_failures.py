"""What askers are told: of a handler's failure, by the receive loop (`_receive`), which
also reports it; and of their target, when their deadline comes first (`_clock`).

That target is said as it was as the deadline came (failed and waiting for its supervisor,
restarting, stopping, in a handler or its `on_start`, awaiting an ask of its own, room in a
full mailbox, the start of a child it spawns or the stop of an actor), so that the advice
fits the cause. A timeout is blamed on a handler only when one was running, and on the one at
the end of a chain of asks, not on each handler waiting along it. Worked out only when a
deadline fires: no ask pays for it. What a handler awaits is read off its task's chain of
coroutines (`cr_await`), down to an `ActorRef.ask` frame, whose locals name the target and the
envelope, an `ActorRef.send` frame waiting for room, whose locals name the target, or a
`Cell.start` frame, whose `self` is the child being spawned; else the stop it awaits is looked
up (`runtime.awaiting_stops`). A handler that awaits its asks in other tasks
(`asyncio.gather`) shows none, and nothing is said of it."""

from __future__ import annotations

from collections.abc import Mapping
from types import CoroutineType
from typing import TYPE_CHECKING, Any, NoReturn

from ._envelope import Ask
from ._errors import ActorStopped, NotDelivered
from ._failure import as_handler_failure
from ._ref import ActorRef
from ._shown import named, shown
from ._state import RESTARTING, RUNNING, STARTING, STOPPING, SUSPENDED

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


def unawaited_reply(coroutine: CoroutineType[Any, Any, Any], cell: Cell) -> NoReturn:
    """Fail an ask whose handler returned a coroutine: an `await` left out (`return
    self.persist(event)`), whose work never ran. Answering the coroutine would hand the asker
    the actor's own work to run in its task, and leave the actor as if it had run; failing the
    handler lets its supervisor decide, as for any other fault of it. Closed here, so Python
    has no "never awaited" warning left to give. Raised in a frame of its own, so that
    `handler_failure` does not take it for the loop's call of `receive` failing. Only asks
    are checked: a tell's return value is not read, and Python's warning names its coroutine."""
    name = named(coroutine)
    coroutine.close()
    raise TypeError(
        f"receive of {cell.display_path} returned a coroutine ({name}) instead of its result, "
        f"so it never ran: a missing `await` (write `return await ...`)"
    )


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


UNKNOWN = "raise the ask's timeout if its answer may take longer"
"""What a timeout says when its target's state tells nothing of the cause (its ask handed on
to a pool's member, a dormant actor not woken yet)."""

LINKS = 8
"""Asks awaited in a chain that a timeout follows; past them, it says no more."""

DEPTH = 64
"""Coroutines awaiting one another in a handler's task that a timeout looks through."""

_ASK = ActorRef.ask.__code__
_SEND = ActorRef.send.__code__


def why_unanswered(
    ask: Ask, live: Mapping[str, Cell], known: dict[str, str], lines: dict[str, frozenset[Any]]
) -> str:
    """The advice of `ask`'s `AskTimeout`, after "no reply from <target> within <timeout>s".
    A hint must never keep a deadline from failing its ask, nor the asks after it in the
    expiry: a user's awaitable that refuses to be looked at leaves it unsaid. `known` holds
    what was said of each target in this expiry for the asks it is not handling, which all
    read the same: thousands of asks timing out behind one target walk its chain once.
    `lines` holds the futures of the asks waiting for room at each target, read once there
    too: such an ask never entered the mailbox (`_unsent`)."""
    try:
        cell = live.get(ask.target)
        if cell is None or cell.handling is ask:
            return _said(ask, live)
        said = known.get(ask.target)
        if said is None:
            said = known[ask.target] = _said(ask, live)
        mailbox = cell.mailbox
        if mailbox.blocked or mailbox.granted:  # a line for room: is this ask in it?
            line = lines.get(ask.target)
            if line is None:
                line = lines[ask.target] = _waiting(cell)
            if ask.future in line:
                return _unsent(cell) + said
        return said
    except Exception:
        return UNKNOWN


def _waiting(cell: Cell) -> frozenset[Any]:
    """The futures of the asks waiting for room in `cell`'s mailbox, or granted a place they
    have not taken yet (a `send` waits there with None)."""
    mailbox = cell.mailbox
    waiting = [*(mailbox.blocked or {}).values(), *(mailbox.granted or {}).values()]
    return frozenset(future for future in waiting if future is not None)


def _unsent(cell: Cell) -> str:
    """What an ask that timed out in the line for room in `cell`'s mailbox is told first: it
    was not handled, so a retry cannot run it twice (api.md §9), as a remote ask that never
    left the outbound queue is told (`_nats._requests`)."""
    capacity = cell.mailbox.capacity
    return (
        f"it never entered the full mailbox of {cell.path} "
        f"({capacity:,} message{'' if capacity == 1 else 's'}), so it was not handled "
        "(a dead letter `expired`); "
    )


_THROUGH = {
    "spawn": "a spawn returns once the child's on_start has), which ends only when the ask times "
    "out: give the child what it needs as spawn arguments, or ask once the spawn has returned",
    "stop": "a stop returns once the actor's on_stop has), which ends only when the ask times "
    "out: tell it instead of asking it",
    "send": "a send to a full mailbox waits until its actor takes a message), which ends only "
    "when the ask times out: give that actor room for what is sent to it, or tell it instead",
}
"""What a cycle that runs through a spawn, a stop or a send says, after "a cycle, each waiting
for the next (": no longer timeout can break it."""


def _said(ask: Ask, live: Mapping[str, Cell]) -> str:
    cell = live.get(ask.target)
    if cell is None or cell.closed:
        return UNKNOWN
    said: list[str] = []
    seen = {cell}
    through = ""  # "spawn" or "stop" once a link awaits a child's start or stop
    for _ in range(LINKS):
        path = cell.path
        state = cell.state
        if state is SUSPENDED:  # its failure reported, or its own stop (a permanent's)
            ended = "stopped itself" if cell.stop_reason is None else "failed"
            said.append(
                f"{path} had {ended} and was waiting for its supervisor's decision, handling "
                "no messages until then"
            )
            break
        if state is RESTARTING:
            said.append(
                f"{path} was restarting, handling no messages until its new instance has started"
            )
            break
        handling = cell.handling
        if state is STOPPING:
            doing = (
                f"{path} was stopping (its on_stop and children's stops), handling no more messages"
            )
            # the queued ask is at the actor asked, not at one further down the chain
            blame = doing if said else f"{doing}: an ask still queued fails when it closes"
        elif state is STARTING:
            doing = f"{path} was starting, handling no messages until its on_start returns"
            blame = doing
        elif state is not RUNNING or handling is None:
            said.append(UNKNOWN)
            break
        else:
            busy = "still handling it" if handling is ask else "handling another message"
            doing = f"{path} was {busy}"
            blame = (
                f"{doing}: raise the ask's timeout or make its handler faster"
                if handling is ask
                else f"{doing}: raise the ask's timeout or make its handlers faster"
            )
        awaited = _awaited(cell)
        if awaited is None:
            said.append(blame)
            break
        target, ask_awaited, kind = awaited
        if ask_awaited is None:  # the start or the stop of an actor, or room in its mailbox
            through = kind
            said.append(
                f"{doing}, awaiting room in the mailbox of {target.path}"
                if kind == "send"
                else f"{doing}, awaiting the {kind} of {target.path}"
            )
        elif target in seen:
            said.append(
                f"{doing}, awaiting its own ask of {target.path}: a cycle, each waiting for the "
                f"next ({_THROUGH[through]}"
                if through
                else f"{doing}, awaiting its own ask of {target.path}: a cycle of asks, each "
                "waiting for the next, which ends only when one of them times out"
            )
            break
        else:
            said.append(f"{doing}, awaiting its own ask of {target.path}")
            ask = ask_awaited
        seen.add(target)
        cell = target
    return "; ".join(said)


def _awaited(cell: Cell) -> tuple[Cell, Ask | None, str] | None:
    """What `cell`'s task awaits, if in that task: a local ask, with its target; else room in
    an actor's full mailbox (`ActorRef.send`), the start of a child it spawns (`Cell.start`,
    awaiting the child's `on_start`) or the stop of an actor (`runtime.awaiting_stops`), with
    that actor and no ask."""
    task = cell.task
    if task is None:
        return None
    start = type(cell).start.__code__  # `Cell.start`: `_cell` imports this module
    awaited: Any = task.get_coro()
    for _ in range(DEPTH):
        code = getattr(awaited, "cr_code", None)
        if code is None:
            break
        if code is _ASK or code is start or code is _SEND:
            frame = awaited.cr_frame
            if frame is None:
                return None
            held = frame.f_locals
            if code is _SEND:
                target = held.get("cell")
                return (target, None, "send") if target is not None and not target.closed else None
            if code is start:
                child = held.get("self")
                return (child, None, "spawn") if child is not None and not child.closed else None
            target, envelope = held.get("cell"), held.get("envelope")
            if isinstance(envelope, Ask) and target is not None and not target.closed:
                return target, envelope, "ask"
            return None
        awaited = getattr(awaited, "cr_await", None)
    stopping = next(
        (one for one in cell.runtime.awaiting_stops.get(task, ()) if not one.closed), None
    )
    return (stopping, None, "stop") if stopping is not None else None
