"""`ActorSystem`'s own argument checks, each error naming the argument and what to pass."""

from __future__ import annotations

import asyncio
from threading import get_ident as get_ident  # the check `spawn` writes out
from typing import TYPE_CHECKING

from ._names import check_system_name
from ._seconds import check_seconds
from ._shown import given
from ._supervision import check_strategy
from ._turns import IDLE_LOOP

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
        got = type(clock).__name__
        if isinstance(clock, type) and all(
            callable(getattr(clock, m, None)) for m in _CLOCK_METHODS
        ):
            got = f"the class {clock.__name__}: pass an instance, such as {clock.__name__}()"
        raise TypeError(
            "clock must be a clock such as actorkit.testing.ManualClock() (with now(), "
            f"call_at(), attach() and detach()), got {got}"
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


def check_loop(runtime: Runtime, call: str) -> asyncio.AbstractEventLoop:
    """The running loop, which must be the one the system started on: a system and its refs
    are asyncio objects of that loop's thread. Checked where a call already reads the
    running loop, never on the message paths (`tell` stays a few attribute reads)."""
    loop = asyncio.get_running_loop()
    if runtime.root is not None and loop is not runtime.loop:
        raise wrong_loop(runtime, call)
    return loop


def on_another_loop(runtime: Runtime) -> bool:
    """Whether the caller runs elsewhere than on the system's loop, read cheaply: in the thread
    a call was last found on that loop while it runs (two calls; a thread runs one loop at a
    time, and a stopped one may be followed there by another, as a test's loop after a wider
    fixture's), or else on that loop (a `getpid()` system call on Python 3.11), which then
    runs in this thread (a loop run by `run_until_complete` in one thread, then `run_forever`
    in another)."""
    if get_ident() == runtime.thread and runtime.loop.is_running():
        return False
    try:
        if asyncio.get_running_loop() is not runtime.loop:
            return True
    except RuntimeError:  # no loop runs in this thread
        return True
    runtime.thread = get_ident()
    return False


def check_own_loop(runtime: Runtime, call: str) -> None:
    """For an awaited call that a system accepting nothing refuses by itself (with
    `ActorStopped`, touching nothing): on any loop, its own closed or not, it says so."""
    if runtime.accepting and on_another_loop(runtime):
        raise wrong_loop(runtime, call)


def check_ref_loop(runtime: Runtime, call: str, on: str) -> None:
    """For an awaited call on a ref whose actor has not stopped (`on` names the ref: `pool`
    for `pool.resize`): checked whether the system accepts or not, since a shutdown leaves
    the actor draining, and the call would run from the other thread as at any time."""
    if on_another_loop(runtime):
        raise wrong_loop(runtime, call, on=on)


def check_thread(runtime: Runtime, call: str, on: str = "system", args: str = ", ...") -> None:
    """A plain call that changes the runtime's tables (a subscription, a timer, a timer's
    cancel) comes from the thread its loop runs on, or while that loop is not running (between
    two `run_until_complete`, or once it ended): from another thread it would change them under
    the loop's feet (and arm no wake-up), so it is refused before anything does. `args` is what
    the hint passes after the call (none for `handle.cancel`)."""
    if runtime.root is not None and on_another_loop(runtime) and runtime.loop.is_running():
        raise wrong_loop(runtime, call, awaited=False, on=on, args=args)


def wrong_loop(
    runtime: Runtime, call: str, *, awaited: bool = True, on: str = "system", args: str = ", ..."
) -> RuntimeError:
    name = runtime.name
    called = f"{on}.{call}"
    what = f"{called}() of actor system {name!r}"
    if runtime.loop.is_closed():
        return RuntimeError(
            f"{what} was called after its event loop {runtime.loop!r} is closed: a system "
            f"belongs to the event loop that started it; create a new ActorSystem({name!r}) "
            "on this one"
        )
    if not runtime.loop.is_running():
        return RuntimeError(
            f"{what} was called on another event loop, and the one that started it "
            f"{IDLE_LOOP}: call it from that loop, or open the system on this one"
        )
    where = "on another event loop (in another thread)" if awaited else "from another thread"
    return RuntimeError(
        f"{what} was called {where}: a system and its refs belong to the event loop that "
        "started it. From another thread, hand it to that loop: "
        + (
            f"asyncio.run_coroutine_threadsafe({called}(), loop).result(), and "
            if awaited
            else f"loop.call_soon_threadsafe({called}{args}), as "
        )
        + "loop.call_soon_threadsafe(ref.tell, message) for a tell"
    )


def check_ref_on_this_loop(runtime: Runtime, target: Runtime, call: str, path: str) -> None:
    """A ref that a plain call of `runtime` would have told (a timer's ticks) or changed and
    told from (a watch), of a system on an event loop in another thread: refused before
    anything changes, since those tells would cross threads unseen. A system on this loop, or
    one whose loop has closed (what it holds stopped with it), is no other thread's."""
    other = target.loop
    if other is runtime.loop or target.root is None or other.is_closed():
        return
    raise RuntimeError(
        f"{call}() in actor system {runtime.name!r} was given {path} of actor system "
        f"{target.name!r}, which runs on another event loop (in another thread): its messages "
        f"would cross threads, and nothing here is thread-safe. Make the call in "
        f"{target.name!r}, handed to its loop (loop.call_soon_threadsafe), or send the ref's "
        "owner a message asking it to"
    )
