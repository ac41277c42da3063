"""White-box views of a running system for tests, re-exported by `actorkit.testing`.

Tests that check the runtime's promises (message accounting, restarts counted, nothing left
pending) need to see inside an actor. They look through these functions rather than at the
runtime's private objects, so the runtime can be rebuilt without rewriting the tests: this
module is the one place that knows where each figure lives.
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass
from types import NoneType, UnionType
from typing import TYPE_CHECKING, Any, Union, get_args, get_origin

from ._accounting import Accounting
from ._exact import index_int, not_integer
from ._mistaken import not_a_local_ref
from ._names import check_path
from ._outside_stop import FORCED_STOP_GRACE as FORCED_STOP_GRACE
from ._ref import local_cell
from ._room import UNBOUNDED
from ._shown import given, shown
from ._state import shown_state

if TYPE_CHECKING:
    from collections.abc import Callable

    from ._actor import Actor
    from ._cell import Cell
    from ._ref import ActorRef
    from ._system import ActorSystem
    from ._transport import Transport


@dataclass(frozen=True, slots=True)
class ActorSnapshot:
    """One actor's state and counters at the moment `snapshot` was called."""

    path: str
    actor_class: str
    state: str
    """starting, running, suspended (failed, awaiting its supervisor), restarting, stopping
    or stopped."""
    parked: bool
    """Waiting on an empty mailbox: nothing queued, nothing being handled."""
    accounting: Accounting
    """accepted == processed + crashed + dead_lettered + queued + handling, when balanced."""
    reserved: int
    """Places granted to senders that waited for room and have not appended yet."""
    signals: int
    """Control signals (stops, restarts, failure reports) queued and not yet carried out; a
    sweep of withdrawn ticks or `Terminated` (`_withdraw.SWEEP`) is one until it ran."""
    failures: int
    restarts: int
    capacity: int | None
    """The mailbox size; None when unbounded."""
    capabilities: frozenset[str]
    children: tuple[str, ...]
    """Names of the live children, in start order."""


def snapshot(ref: ActorRef) -> ActorSnapshot:
    """The state and counters of the local actor behind `ref`."""
    return _snapshot_of(_cell(ref, "snapshot"))


def snapshots(system: ActorSystem) -> list[ActorSnapshot]:
    """Every live actor of `system`, its root (path `/`) first; empty before `start()` and
    once the root has stopped (a shutdown, a failure past it), as `/actors` and `agents()`
    are: a stopped root is no live actor."""
    runtime = checked_system(system, "snapshots")._runtime
    root = runtime.root
    if root is None:
        return []
    cells = runtime.cells() if root.closed else [root, *runtime.cells()]
    return [_snapshot_of(cell) for cell in cells]


def pending_asks(system: ActorSystem) -> int:
    """Asks still waiting for a reply or their deadline (0 once every ask has ended)."""
    return checked_system(system, "pending_asks")._runtime.ask_deadlines.pending()


def pending_timers(system: ActorSystem) -> int:
    """Timers still due to fire: the actors' own and the system's (`schedule_once`/`_every`)."""
    return checked_system(system, "pending_timers")._runtime.timers.pending


def accepting(system: ActorSystem) -> bool:
    """True from `start()` until a shutdown begins: new messages and spawns are taken."""
    return checked_system(system, "accepting")._runtime.accepting


def subscription_count(system: ActorSystem) -> int:
    """Live (actor, pattern) subscriptions in the system's topic router."""
    return len(checked_system(system, "subscription_count")._router)


def transport(system: ActorSystem) -> Transport | None:
    """The transport the system was built with (to flush it, say), or None."""
    return checked_system(system, "transport")._transport


def instance(ref: ActorRef) -> Actor | None:
    """The actor object behind `ref` now: a new one after each restart, None while it
    restarts and from the moment its stop begins: its `on_stop` runs on an instance the cell
    has already let go."""
    return _cell(ref, "instance").instance


def cancel_task(ref: ActorRef) -> None:
    """Cancel the asyncio task that runs the actor. For tests whose handler swallowed the
    runtime's cancellation and was abandoned by a shutdown: it lets that task end, so the
    test leaves nothing running."""
    task = _cell(ref, "cancel_task").task
    if task is not None:
        task.cancel()


def checked_system(system: object, caller: str) -> ActorSystem:
    """The views of a whole system check they got one: a ref (as `snapshot` takes) or a
    probe would fail on a private attribute, which says nothing of what to pass."""
    from ._system import ActorSystem

    if isinstance(system, ActorSystem):
        return system
    a_ref = caller == "snapshots" and local_cell(system) is not None
    one = "; snapshot(ref) views one actor" if a_ref else ""
    raise TypeError(
        f"{caller}() needs an ActorSystem, got {type(system).__name__} {given(system)}{one}"
    )


def _cell(ref: Any, caller: str) -> Cell:
    cell = local_cell(ref)
    if cell is None:
        raise not_a_local_ref(f"{caller}()", ref)
    return cell


def _snapshot_of(cell: Cell) -> ActorSnapshot:
    accounting = Accounting()
    accounting.add(cell)
    return ActorSnapshot(
        path=cell.display_path,
        actor_class=cell.class_name,
        state=shown_state(cell),
        parked=cell.mailbox.parked,
        accounting=accounting,
        reserved=cell.mailbox.reserved,
        signals=len(cell.mailbox.signals),
        failures=cell.failures,
        restarts=cell.restarts,
        capacity=None if cell.mailbox.capacity == UNBOUNDED else cell.mailbox.capacity,
        capabilities=cell.capabilities,
        children=tuple(cell.children),
    )


def actor_tree(
    system: ActorSystem, path: str | None = None, limit: int | None = None
) -> dict[str, Any]:
    """The body `/actors` would answer (the supervision tree as plain data), without HTTP.
    A `limit` the endpoint answers with a 400 is refused here too: read as some other number
    of nodes (1.5 as 2, 0 as none at all), it would pass a test a request would fail."""
    from ._tree import actor_tree as tree

    checked_system(system, "actor_tree")
    if path is not None:  # compared with "/" next: a subclass's own `__eq__` must not run
        path = check_path(path)
    if limit is not None:
        number = index_int(limit)
        if number is None:
            raise TypeError(
                f"limit must be a whole number of nodes >= 1 or None, got "
                f"{type(limit).__name__} {given(limit)}{not_integer(limit, '')}"
            )
        if number < 1:
            raise ValueError(f"limit must be a whole number of nodes >= 1 or None, got {number}")
        limit = number
    root = system._runtime.root
    if root is None:
        raise RuntimeError("actor_tree() needs a started system")
    return tree(system, root, path, limit)


def expectation(expected: Any) -> Callable[[Any], bool]:
    """How `Probe.expect` checks a message against `expected`: `isinstance` for a type or a
    union of types (`int | str`, `Optional[int]`), the predicate itself for another callable,
    else equality. A parameterized type (`list[int]`) is none of these: `isinstance` refuses
    it, and called as a predicate it would build a list of the message."""
    origin = get_origin(expected)
    if isinstance(expected, UnionType) or origin is Union:
        _check_union(expected)
        return lambda message: isinstance(message, expected)
    if isinstance(expected, type):
        if not _takes(expected):
            raise TypeError(
                f"Probe.expect cannot check a message against {expected!r}, which isinstance() "
                "does not take: pass a predicate (or mark the Protocol @typing.runtime_checkable)"
            )
        return lambda message: isinstance(message, expected)
    if origin is not None:
        name = getattr(origin, "__name__", None)
        instead = f"its class (expect({name}))" if isinstance(origin, type) else "a value"
        raise TypeError(
            f"Probe.expect cannot check a message against {expected!r}, which isinstance() "
            f"does not take: pass {instead} or a predicate"
        )
    if callable(expected):
        if inspect.iscoroutinefunction(expected):
            raise TypeError(f"Probe.expect cannot check with {shown(expected)}: {_ASYNC}")
        return lambda message: _truth(expected(message))
    return lambda message: bool(message == expected)


_ASYNC = "it is async, and a coroutine is true whatever the message: pass a plain function"


def _truth(result: object) -> bool:
    """A predicate's verdict. An awaitable is none: `expect` cannot await it within the
    check, and as a truth value it would pass every message."""
    if inspect.isawaitable(result):
        if inspect.iscoroutine(result):
            result.close()  # never awaited: no warning left for the test to puzzle over
        raise TypeError(f"the predicate returned an awaitable: {_ASYNC}")
    return bool(result)


def expect_check(expected: Any) -> Callable[[Any], None]:
    """`Probe.expect`'s check of a message against `expected` (`expectation`), raising the
    `AssertionError` that names both. A check that raises on the message (`m.value` of a
    str, an `==` that refuses) is a mismatch too: its bare error would not say what came.
    The very object expected always matches, as it equals itself: a class told as a message
    is no instance of itself, and a function told is not to be called on itself."""
    matches = expectation(expected)

    def check(message: Any) -> None:
        try:
            if message is expected or matches(message):
                return
        except Exception as error:
            raise AssertionError(
                f"probe expected {shown(expected)}, got {shown(message)}, on which the check "
                f"raised {shown(error)}"
            ) from error
        raise AssertionError(f"probe expected {shown(expected)}, got {shown(message)}")

    return check


def _check_union(union: Any) -> None:
    """`isinstance` takes a union of classes only, and finds a member it refuses (`list[int]`)
    only when it gets to it: after `Probe.expect` took the message, or never, when a member
    before it matched."""
    members = get_args(union)
    refused = [member for member in members if not _takes(member)]
    if not refused:
        return
    classes = [member if isinstance(member, type) else get_origin(member) for member in members]
    if all(isinstance(cls, type) and _takes(cls) for cls in classes):
        names = dict.fromkeys("None" if cls is NoneType else cls.__name__ for cls in classes)
        instead = f"its classes (expect({' | '.join(names)})) or a predicate"
    else:
        instead = "a predicate"
    raise TypeError(
        f"Probe.expect cannot check a message against {union!r}, whose member {refused[0]!r} "
        f"isinstance() does not take: pass {instead}"
    )


def _takes(cls: Any) -> bool:
    """Whether `isinstance` takes `cls`: not a parameterized type (`list[int]`), nor a class
    that refuses the check itself (a Protocol not marked `runtime_checkable`)."""
    if not isinstance(cls, type):
        return False
    try:
        isinstance(None, cls)
    except TypeError:
        return False
    return True
