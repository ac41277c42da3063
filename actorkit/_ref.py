"""`ActorRef`: the handle users hold. It points at the cell, never at the actor instance, so it
stays valid across restarts; equality is identity of the cell.

Refs are minted by the runtime only: constructing one, or subclassing it outside actorkit, is
a `TypeError`, so a ref always stands for a real actor. A remote ref (`actorkit.nats.RemoteRef`)
is an `ActorRef` too, as the contract says `system.remote` returns one and as Akka's remote refs
are, but it has no cell: whatever needs a local actor asks `local_cell`, never `isinstance`.
"""

from __future__ import annotations

import asyncio
import sys
from sys import getrefcount
from time import perf_counter
from typing import TYPE_CHECKING, Any, NoReturn, SupportsIndex

from ._blocked_sends import past_the_bound
from ._envelope import GIVEN_UP, Ask, reject
from ._errors import AskTimeout, NotDelivered
from ._protocols import REFS_STAY
from ._room import UNBOUNDED, full_for_tell
from ._seconds import FOREVER, check_seconds
from ._stop_asked import stop_from_outside, stop_within
from ._system_checks import check_ref_loop, on_another_loop, wrong_loop

if TYPE_CHECKING:
    from ._cell import Cell
    from ._mailbox import Mailbox

if sys.version_info >= (3, 12):
    _running_task = asyncio.current_task  # in C
else:  # in Python, two calls: what it reads is asyncio's table of the task each loop runs
    _running_task = asyncio.tasks._current_tasks.get  # type: ignore[attr-defined]  # noqa: SLF001


class ActorRef:
    """A local actor's handle, minted by the runtime (`spawn`, `lookup`, `self.ref`)."""

    __slots__ = ("__weakref__", "_cell", "_mailbox")

    _cell: Cell
    _mailbox: Mailbox  # the cell's, held here too: a tell reads one attribute less

    def __init__(self, *_: object, **__: object) -> None:
        raise TypeError(
            "ActorRef cannot be constructed: refs come from `await system.spawn(...)`, "
            "`system.lookup(path)` or `self.ref` inside an actor"
        )

    def __init_subclass__(cls, **kwargs: Any) -> None:
        if not cls.__module__.startswith("actorkit."):
            raise TypeError(
                f"{cls.__name__} cannot subclass ActorRef: refs are minted by the runtime; "
                "wrap a ref in your own class instead, or implement the actorkit.Ref protocol"
            )
        super().__init_subclass__(**kwargs)

    @classmethod
    def _mint(cls, cell: Cell) -> ActorRef:
        ref = object.__new__(cls)
        ref._cell = cell
        ref._mailbox = cell.mailbox
        return ref

    @property
    def name(self) -> str:
        return self._cell.name

    @property
    def path(self) -> str:
        return self._cell.path

    @property
    def is_alive(self) -> bool:
        return not self._cell.closed

    def tell(self, msg: Any) -> None:
        """Enqueue without waiting. Raises `MailboxFull` when there is no room (also while
        senders wait for room); a stopped target turns the message into a dead letter."""
        mailbox = self._mailbox
        queue = mailbox.queue
        limit = mailbox.limit
        if limit is UNBOUNDED or len(queue) < limit:  # `Mailbox.offer`, written out
            mailbox.accepted += 1
            queue.append(msg)
            waiter = mailbox.waiter
            if waiter is not None:
                mailbox.waiter = None
                if not waiter.done():
                    waiter.set_result(None)
            return
        cell = self._cell
        if mailbox.closed:  # stopped, or in the close that stops it (`close_unrestarted`)
            cell.runtime.dead_letters.add(msg, cell.path, "stopped")
            return
        if cell.stats is not None:
            cell.stats.dropped += 1
        raise full_for_tell(cell.path, mailbox)

    async def send(self, msg: Any) -> None:
        """Enqueue, waiting for room in a full mailbox (backpressure). With room, it is
        `tell`'s put, written out as there: a call to `Mailbox.offer` is 7% of a send."""
        mailbox = self._mailbox
        queue = mailbox.queue
        limit = mailbox.limit
        if limit is UNBOUNDED or len(queue) < limit:  # room now: no coroutine for the wait
            mailbox.accepted += 1
            queue.append(msg)
            waiter = mailbox.waiter
            if waiter is not None:
                mailbox.waiter = None
                if not waiter.done():
                    waiter.set_result(None)
            return
        cell = self._cell
        if mailbox.closed:  # as for `tell`; before the own-send check: a close may run there
            # Yield first: a producer loop `while True: await ref.send(x)` aimed at a stopped
            # actor must not spin; a cancellation in that yield leaves no fate behind.
            await asyncio.sleep(0)
            cell.runtime.dead_letters.add(msg, cell.path, "stopped")
            return
        check_ref_loop(cell.runtime, "send", "ref")  # as `ask`, before it waits in line
        task = _running_task(cell.runtime.loop)
        # Its own handler, or a descendant's: only they may have to go past, or be refused.
        if task is not None and (task is cell.task or cell.children) and past_the_bound(cell, task):
            mailbox.force(msg)
            return
        room = mailbox.line_up()  # `Mailbox.put`, written out: no coroutine for the wait
        if room is not None:
            try:
                outcome = await room
            except asyncio.CancelledError:
                mailbox.abandon(room)
                raise
            if mailbox.take(room, outcome, msg):
                return
        else:  # its stop began, so no room comes: a producer loop must not spin (as above)
            await asyncio.sleep(0)
        # the actor stopped while this sender waited, or before it could wait
        cell.runtime.dead_letters.add(msg, cell.path, cell.runtime.stop_reason)

    async def ask(self, msg: Any, timeout: float = 5.0) -> Any:
        """Send and wait for `receive`'s return value (or its exception) within `timeout`."""
        cell = self._cell
        # `0.0`, not `0`: a float against floats is a specialized comparison (200 instructions)
        if not ((type(timeout) is float or type(timeout) is int) and 0.0 < timeout < FOREVER):
            timeout = check_seconds(timeout, "ask timeout")  # or says what to pass
        if cell.closed:  # not delivered, as an ask still queued when it stops: a retry is safe
            stopped = NotDelivered(f"{cell.path} is stopped; the ask was not delivered")
            if cell.stats is not None:  # an ask with a stale ref still counts, as `stopped`
                cell.stats.ask_failed(stopped, 0.0)
            raise stopped
        runtime = cell.runtime
        future: asyncio.Future[Any] = runtime.loop.create_future()
        stats = cell.stats
        started = perf_counter() if stats is not None else None
        envelope = Ask()  # `ask_envelope` written out: a frame is 3% of an ask
        envelope.message = msg
        envelope.future = future
        envelope.target = cell.path
        envelope.timeout = timeout
        envelope.started = started
        bucket = runtime.open_asks.get(timeout)  # `AskDeadlines.bucket_for`, written out
        if bucket is None:
            bucket = runtime.ask_deadlines.bucket_for(timeout)
        bucket[envelope] = None
        try:
            mailbox = self._mailbox
            queue = mailbox.queue
            limit = mailbox.limit
            if limit is UNBOUNDED or len(queue) < limit:  # `Mailbox.offer`, written out
                mailbox.accepted += 1
                queue.append(envelope)
                waiter = mailbox.waiter
                if waiter is not None:
                    mailbox.waiter = None
                    if not waiter.done():
                        waiter.set_result(None)
            elif mailbox.closed:  # in the close that stops it: as once stopped (counted below)
                raise NotDelivered(f"{cell.path} is stopped; the ask was not delivered")
            else:  # its thread checked only here: on every ask, 1.7% of its instructions
                check_ref_loop(runtime, "ask", "ref")  # before it waits in line at the actor
                await _wait_for_room(cell, envelope)
            try:
                result = await future
            except RuntimeError as error:  # awaited on another loop: said as `spawn` says it
                if on_another_loop(runtime):  # (the message was put)
                    raise wrong_loop(runtime, "ask", on="ref") from error
                raise
        except BaseException as error:
            # What was set counts, even when this task was cancelled before it could take it:
            # a reply as answered (the cell timed it), an error as what failed the ask.
            if stats is not None and started is not None:
                if not future.done() or future.cancelled():
                    stats.ask_failed(error, perf_counter() - started)
                elif (failure := future.exception()) is not None:
                    stats.ask_failed(failure, perf_counter() - started)
            envelope.future = GIVEN_UP
            raise
        finally:
            bucket.pop(envelope, None)
        return result

    async def stop(self, timeout: float | None = None) -> None:
        """Let the current message finish, then stop; queued messages become dead letters.
        Past `timeout` seconds, if given, the stop is forced as a shutdown's is past its own:
        a handler that never returns cannot hold its caller for ever."""
        cell = self._cell
        if cell.closed:  # a stopped actor's: no second coroutine
            return
        check_ref_loop(cell.runtime, "stop", "ref")
        if timeout is None:
            await stop_from_outside(cell)
        else:
            await stop_within(cell, check_seconds(timeout, "stop timeout", zero_ok=True))

    def __copy__(self) -> ActorRef:
        return self

    def __deepcopy__(self, memo: dict[int, object]) -> ActorRef:
        """A ref is an identity, not a value, as Akka's `ActorRef` is: a copy of a message or
        a configuration that holds one holds the same ref, equal to it (`copy.copy` too)."""
        return self

    def __reduce_ex__(self, protocol: SupportsIndex) -> NoReturn:
        raise TypeError(f"cannot pickle {self!r}: {REFS_STAY}")

    def __repr__(self) -> str:
        state = "alive" if not self._cell.closed else "stopped"
        return f"<{type(self).__name__} {self._cell.path} {state}>"  # a `PoolRef` says so


def local_cell(ref: object) -> Cell | None:
    """The cell behind a local actor's ref; None for anything else, a remote ref included
    (an `ActorRef` whose `_cell` slot is never set)."""
    return getattr(ref, "_cell", None) if isinstance(ref, ActorRef) else None


async def _wait_for_room(cell: Cell, envelope: Ask) -> None:
    """An ask at a full mailbox waits in line like a `send`, within its own deadline. One that
    leaves the line unsent is a dead letter, as a `send` refused by a stopping actor is: its
    asker has the error, the dead letters the message, for the reason the error gives:
    `expired` if the deadline came first, even in the turn of the actor's close (api.md §9).
    One whose asker is cancelled is that answer's dead letter if either answered it before the
    asker ran again: the asks metric counts that answer (`ActorRef.ask`), and the dead letters
    agree; unanswered, it never went, and is neither."""
    future = envelope.future
    try:
        placed = await cell.mailbox.put(envelope, give_up=future)
    except asyncio.CancelledError:
        if future.done():
            _answered_unsent(cell, envelope, future)
        raise
    if placed:
        return
    if future.done():
        _answered_unsent(cell, envelope, future)
        return
    # Sent away unanswered: by a pool member's stop as it began (`Record.hand_back`) or its
    # close, which leave it to the pool, or by `close_unrestarted`; as the asks queued there.
    adopted = cell.adoption((envelope,))
    if adopted is not None:
        adopted()
        return
    reject(envelope, cell.path, cell.runtime.stop_reason, cell.runtime.dead_letters)


def _answered_unsent(cell: Cell, envelope: Ask, future: asyncio.Future[Any]) -> None:
    """The dead letter of an ask its deadline or its actor's close answered while it waited."""
    runtime = cell.runtime
    why = "expired" if isinstance(future.exception(), AskTimeout) else runtime.stop_reason
    runtime.dead_letters.add(envelope.message, cell.path, why)


class _Holder:
    __slots__ = ("held",)

    held: object


def _count_of_one_holder() -> int:
    holder = _Holder()
    holder.held = object()
    return getrefcount(holder.held)


HELD_BY_ONE_SLOT = _count_of_one_holder()
"""What `getrefcount(obj.slot)` says when nothing but that slot holds the object: measured
rather than assumed, since interpreters differ in the references they count (3.14 borrows
some). A closing cell lets its ref go only on this exact count (`Lifecycle.close`)."""
