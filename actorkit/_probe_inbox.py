"""What `testing.Probe` keeps of what its actor took in, and what it says when nothing came."""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from ._actor import Actor
from ._envelope import Ask
from ._shown import shown
from ._system_checks import check_ref_loop

if TYPE_CHECKING:
    from ._ref import ActorRef


class Inbox(asyncio.Queue[Any]):
    """What the probe's actor took in, whose next message a check can name without taking
    it: `expect_empty` fails a test, it must not change what the test receives next."""

    _queue: deque[Any]  # the store every `asyncio.Queue` keeps (`LifoQueue` overrides it)

    def peek(self) -> Any:
        return self._queue[0]

    def drop(self, unwanted: Callable[[Any], bool]) -> None:
        """What a probe's `unwatch` withdraws from what its actor took in."""
        kept = [message for message in self._queue if not unwanted(message)]
        self._queue.clear()
        self._queue.extend(kept)


class ProbeActor(Actor):
    """The probe's actor: it records each message and answers an ask with the probe's `reply`
    as it stands when the ask comes. Its `receive` never awaits, so no message is ever in
    hand between two steps of a test."""

    def __init__(self, probe: Any, inbox: Inbox) -> None:
        self._probe = probe
        self._inbox = inbox

    async def receive(self, message: Any) -> Any:
        self._inbox.put_nowait(message)
        return self._probe.reply


async def next_message(
    inbox: Inbox, ref: ActorRef, seconds: float, expected: str, call: str, manual: type[Any]
) -> Any:
    """What a probe receives next, within `seconds` of real time: the probe waits for the
    actors, not for a clock (`manual`, the `ManualClock` class, which its error names)."""
    if inbox.empty():
        nothing_can_come(ref, expected, call)
    try:
        async with asyncio.timeout(seconds):
            return await inbox.get()
    except TimeoutError:
        clock = ref._cell.runtime.clock
        raise TimeoutError(nothing_within(seconds, expected, clock, manual)) from None


def nothing_within(seconds: float, expected: str, clock: object, manual: type[Any]) -> str:
    """The probe's `TimeoutError`. A test on a `ManualClock` (`manual`) that waits for a
    message its clock has yet to bring (the advance forgotten, or too short) waits out a
    timeout of real time, which no advance shortens: the clock's next due time names the
    cause."""
    due, now = (clock.next_due(), clock.now()) if isinstance(clock, manual) else (None, 0.0)
    said = f"the probe received nothing within {seconds} s"
    if expected:
        said += f", where it expected {expected}"
    if due is not None:
        said += (
            f"; its system's ManualClock reads {now} and has something due at {due}, which "
            "only `await clock.advance(seconds)` brings (timeout= counts real time)"
        )
    return said


def nothing_can_come(ref: ActorRef, expected: str, call: str) -> None:
    """Raises at once, for a probe with nothing in hand, when nothing can come to it: its
    actor has stopped (`TimeoutError`, what a wait that got nothing raises: a test that
    expects nothing to come passes at once), on whatever loop, its own closed or not; or its
    system's loop does not run (`RuntimeError`, as the system's calls say it). Its timeout
    would only delay the same failure."""
    cell = ref._cell
    if cell.closed:
        said = f"the probe's actor {cell.display_path} has stopped (stopped, or its system "
        said += "shut down) and holds nothing more, so no message can come to it any more"
        raise TimeoutError(said + (f", where it expected {expected}" if expected else ""))
    check_ref_loop(cell.runtime, call, "probe")


def not_spawned() -> TypeError:
    """For `Probe(system)`, as Akka's `TestProbe(system)` is made: a probe's actor is spawned,
    which a constructor cannot await, so the error names the call that does."""
    return TypeError(
        "Probe() takes no arguments: make a probe with `await Probe.spawn(system)` (or "
        "`Probe.spawn(system, name=...)`), which spawns its actor there"
    )


def check_empty(inbox: Inbox, queued: Sequence[Any]) -> None:
    """`Probe.expect_empty`: what is unreceived, in the inbox or still in the mailbox, fails it
    naming the next message, the question where an ask waits."""
    unexpected = inbox.qsize() + len(queued)
    if not unexpected:
        return
    extra = inbox.peek() if not inbox.empty() else queued[0]
    extra = extra.message if type(extra) is Ask else extra
    kind = "message" if unexpected == 1 else "messages"
    raise AssertionError(f"probe has {unexpected} unexpected {kind}, next: {shown(extra)}")


def queued(ref: ActorRef | None) -> Sequence[Any]:
    """What waits in the probe's mailbox for its actor to take it in, in order: told to the
    probe, so `pending` counts it, and `expect_empty` names it. None for a probe with no
    actor, where nothing can wait."""
    if ref is None:
        return ()
    mailbox = ref._cell.mailbox
    withdrawn = mailbox.withdrawn or {}
    return [message for message in mailbox.queue if id(message) not in withdrawn]
