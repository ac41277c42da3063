"""`ActorSystem`'s own argument checks, each error naming the argument and what to pass."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from ._names import check_system_name
from ._seconds import check_seconds
from ._shown import given
from ._supervision import check_strategy

if TYPE_CHECKING:
    from ._runtime import Runtime

_CLOCK_METHODS = ("now", "call_at", "attach", "detach")


def check_system(name: object, supervisor: object, metrics: object, clock: object) -> str:
    """The system's name, as an exact str, once every argument has passed."""
    checked = check_system_name(name)
    if supervisor is not None:
        check_strategy(supervisor, "supervisor")
    if not isinstance(metrics, bool):
        raise TypeError(
            f"metrics must be True or False, got {type(metrics).__name__} {given(metrics)}"
        )
    if clock is not None and (
        isinstance(clock, type)
        or not all(callable(getattr(clock, m, None)) for m in _CLOCK_METHODS)
    ):
        raise TypeError(
            "clock must be a clock such as actorkit.testing.ManualClock() (with now(), "
            f"call_at(), attach() and detach()), got {type(clock).__name__}"
        )
    if clock is not None:  # how late an ask's timeout may fire: read at the first ask
        check_seconds(getattr(clock, "resolution", None), "clock.resolution", zero_ok=True)
    return checked


def check_startable(name: str, started: bool, shut_down: bool) -> None:
    """A system runs once, as an OTP application's supervision tree does: its actors, names
    and metrics are gone after its shutdown, so starting it again would be a different one."""
    if shut_down:
        raise RuntimeError(
            f"actor system {name!r} has shut down and cannot start again: "
            f"create a new ActorSystem({name!r}) instead"
        )
    if started:
        raise RuntimeError(f"actor system {name!r} was already started")


def check_loop(name: str, runtime: Runtime, call: str) -> asyncio.AbstractEventLoop:
    """The running loop, which must be the one the system started on: a system and its refs
    are asyncio objects of that loop's thread. Checked where a call already reads the
    running loop, never on the message paths (`tell` stays a few attribute reads)."""
    loop = asyncio.get_running_loop()
    if runtime.root is not None and loop is not runtime.loop:
        raise RuntimeError(
            f"system.{call}() of actor system {name!r} was called on another event loop (in "
            "another thread): a system and its refs belong to the event loop that started it. "
            f"From another thread, hand it to that loop: asyncio.run_coroutine_threadsafe("
            f"system.{call}(), loop).result(), and loop.call_soon_threadsafe(ref.tell, message) "
            "for a tell"
        )
    return loop
