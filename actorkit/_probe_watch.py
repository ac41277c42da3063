"""`testing.Probe`'s death watch, as Akka TestKit's `watch`, `unwatch` and `expectTerminated`:
the probe's actor is the watcher, so a `Terminated` comes among the probe's other messages,
in arrival order, and a test needs no watcher actor of its own forwarding it."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ._actor import watched_cell
from ._messages import Terminated
from ._shown import shown
from ._system_checks import check_thread
from ._watch import unwatch, watch

if TYPE_CHECKING:
    from ._cell import Cell
    from ._probe_inbox import Inbox
    from ._ref import ActorRef


def watch_from(probe: ActorRef, ref: object) -> None:
    """A plain call, as the actor's own `watch`: nothing is sent to the probe's actor, so a
    stop between this call and the test's next await is heard all the same."""
    target = _watched(probe, ref, "watch")
    check_thread(probe._cell.runtime, "watch", on="probe", args=", ref")
    watch(probe._cell, target)


def unwatch_from(probe: ActorRef, ref: object, inbox: Inbox) -> None:
    """As the actor's own `unwatch`, no `Terminated` of `ref` is received after this: one the
    probe's actor took in already is still unreceived by the test, and goes as well."""
    target = _watched(probe, ref, "unwatch")
    check_thread(probe._cell.runtime, "unwatch", on="probe", args=", ref")
    unwatch(probe._cell, target)
    inbox.drop(lambda message: type(message) is Terminated and message.ref == ref)


def terminated_check(probe: ActorRef, ref: object) -> tuple[Callable[[Any], Terminated], str]:
    """`Probe.expect_terminated`'s check of the next message, worded as `expect`'s, and what
    it expects, for the `TimeoutError`; a non-ref is refused before a message is taken."""
    expected = f"Terminated of {_watched(probe, ref, 'expect_terminated').display_path}"

    def check(message: Any) -> Terminated:
        if type(message) is Terminated and message.ref == ref:  # a proxy's `__class__` may raise
            return message
        raise AssertionError(f"probe expected {expected}, got {shown(message)}")

    return check, expected


def _watched(probe: ActorRef, ref: object, call: str) -> Cell:
    cell = watched_cell(ref, f"Probe.{call}")
    if cell is probe._cell:
        raise ValueError(
            f"Probe.{call}: a probe cannot watch its own ref, since its actor never hears of "
            "its own stop; pass the ref of the actor under test"
        )
    return cell
