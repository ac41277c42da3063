"""The error tree. Every error actorkit raises on purpose derives from `ActorError`.

ActorError
├── MailboxFull          tell() found the mailbox at capacity
├── ActorStopped         the target is (or became) stopped with the request unanswered
│   └── NotDelivered     ... and the request certainly was not handled: a retry is safe
├── AskTimeout           also a TimeoutError, so `except TimeoutError` keeps working
├── NameTaken            a sibling already has that name (or a live actor that persistence id)
├── SystemFailed         a failure escalated past the root supervisor
├── SupervisorGaveUp     restart intensity exceeded; __cause__ is the child's error
├── DeadlineExceeded     a task was not started before its deadline
├── TaskCancelled        a task was cancelled before it finished
└── PersistenceError     the store could not carry out a durable actor's read or write
    └── PersistenceConflict  another writer got there first
"""

from __future__ import annotations


class ActorError(Exception):
    """Base of every error actorkit raises on purpose, so callers can catch them all."""


class MailboxFull(ActorError):
    """`tell` found the mailbox at capacity; use `await ref.send(...)` to wait for room."""


class ActorStopped(ActorError):
    """The target actor is stopped, or stopped before it answered."""


class AskTimeout(ActorError, TimeoutError):
    """No reply arrived within the ask's timeout."""


class NameTaken(ActorError):
    """A sibling already uses that name, or a live durable actor of the system that
    persistence id."""


class SystemFailed(ActorError):
    """A failure escalated past the root supervisor and stopped the system."""


class SupervisorGaveUp(ActorError):
    """A supervisor exceeded its restart intensity, stopped its children and failed; its
    message names the limit, and `__cause__` holds the child's error (None when a permanent
    child stopped itself normally)."""


def chain_began(error: BaseException) -> BaseException:
    """The failure a chain of supervisors giving up one above the other began with (`error`
    itself unless it gave up on a child that gave up): a loop, so any depth walks in constant
    stack, and one that stops at a cycle of `__cause__`s."""
    first = error
    seen = {id(error)}
    while isinstance(first, SupervisorGaveUp):
        cause = first.__cause__
        if cause is None or id(cause) in seen:
            break
        seen.add(id(cause))
        first = cause
    return first


class DeadlineExceeded(ActorError):
    """A task was not started before its deadline."""


class TaskCancelled(ActorError):
    """A task was cancelled before it finished."""


class PersistenceError(ActorError):
    """The store could not carry out a read or write; nothing was half-written, and the
    actor's supervisor decides what happens next."""


class PersistenceConflict(PersistenceError):
    """Another writer got there first: the expected sequence number or revision was no longer
    the latest (a second live instance of the same persistence id, or a split brain)."""


class NotDelivered(ActorStopped):
    """The request was never handled: its target was stopped (or not there) before it began
    on it, or it was never sent to another system. Retrying it cannot run it twice. A plain
    `ActorStopped` makes no such promise (the actor stopped while handling it, or a remote
    request's fate is unknown); `except ActorStopped` catches both."""


def system_stopped(name: str) -> str:
    """The words for a system that runs nothing any more, the one phrase every error it ends
    with uses (its refusals, and the tasks and asks it cuts short). They name
    `system.failure`: after a failure past the root these errors are what a program's users
    meet first, and nothing else in them tells a failed system from one shut down."""
    return (
        f"actor system {name!r} is shut down (or shutting down, or failed: `system.failure` "
        "holds why)"
    )


def not_running(
    name: str, call: str, started: bool, stopped: type[ActorStopped] = ActorStopped
) -> RuntimeError | ActorStopped:
    """Why a system refuses `call`, in the same words for every call (README's rule): before
    `start()` a `RuntimeError`, as a call made too early is a mistake in the program; once its
    shutdown has begun (or a failure past the root began one), `ActorStopped`, as for a
    stopped actor, since a program may meet it in a race with its own shutdown."""
    if not started:
        return RuntimeError(
            f"actor system {name!r} is not started, so {call} cannot run yet: use "
            "`async with ActorSystem()` (or `await system.start()`) first"
        )
    return stopped(
        f"{system_stopped(name)}, so {call} cannot run: create a new ActorSystem to go on"
    )
