"""`ActorRef`: the handle users hold. It points at the cell, never at the actor instance, so it
stays valid across restarts; equality is identity of the cell."""

from __future__ import annotations

import asyncio
from time import perf_counter
from typing import TYPE_CHECKING, Any

from ._envelope import Ask
from ._errors import ActorStopped, MailboxFull
from ._seconds import FOREVER, check_seconds

if TYPE_CHECKING:
    from ._cell import Cell


class ActorRef:
    """Minted by the runtime, never constructed by users. The only subclass is the pool's
    ref, which routes each message to a member."""

    __slots__ = ("__weakref__", "_cell")

    def __init__(self, cell: Cell) -> None:
        self._cell = cell

    @property
    def name(self) -> str:
        return self._cell.name

    @property
    def path(self) -> str:
        return self._cell.path

    @property
    def is_alive(self) -> bool:
        return not self._cell.closed

    def tell(self, message: Any) -> None:
        """Enqueue without waiting. Raises `MailboxFull` at capacity; a stopped target turns
        the message into a dead letter instead of raising."""
        cell = self._cell
        if cell.closed:
            cell.system.dead_letters.add(message, cell.path, "stopped")
            return
        mailbox = cell.mailbox
        if len(mailbox) >= cell.capacity:
            if cell.stats is not None:
                cell.stats.dropped += 1
            raise MailboxFull(
                f"mailbox of {cell.path} is full ({cell.capacity} messages); "
                "use `await ref.send(msg)` to wait for room, or spawn with a larger mailbox_size"
            )
        cell.accepted += 1
        mailbox.append(message)
        waiter = cell.waiter
        if waiter is not None:
            cell.waiter = None
            if not waiter.done():
                waiter.set_result(None)

    async def send(self, message: Any) -> None:
        """Enqueue, waiting for room in a full mailbox (backpressure)."""
        cell = self._cell
        if cell.closed:
            cell.system.dead_letters.add(message, cell.path, "stopped")
            # Yield once: a producer loop `while True: await ref.send(x)` aimed at a stopped
            # actor must not spin without ever letting the loop run.
            await asyncio.sleep(0)
            return
        if len(cell.mailbox) < cell.capacity and not cell.blocked:
            cell.enqueue(message)
            return
        room: asyncio.Future[bool] = cell.system.loop.create_future()
        cell.block(message, room)
        try:
            granted = await room
        except asyncio.CancelledError:
            if not room.cancelled() and room.result():
                # Granted a place in the loop turn the cancellation (an `asyncio.timeout`
                # around send) landed in: give it to the next sender; nothing was delivered.
                cell.reserved -= 1
                if cell.blocked:
                    cell._admit()
            raise
        if granted:
            cell.reserved -= 1
        if granted and self.is_alive:
            cell.enqueue(message)
        else:  # the actor stopped while this sender waited
            why = "shutdown" if cell.system.shutting_down else "stopping"
            cell.system.dead_letters.add(message, cell.path, why)

    async def ask(self, message: Any, timeout: float = 5.0) -> Any:
        """Send and wait for `receive`'s return value (or its exception) within `timeout`."""
        cell = self._cell
        if cell.closed:
            raise ActorStopped(f"{cell.path} is stopped; the ask was not delivered")
        try:
            valid = 0 < timeout < FOREVER and timeout is not True
        except TypeError:  # not a number at all
            valid = False
        if not valid:
            check_seconds(timeout, "ask timeout")  # raises the error that says what to pass
        system = cell.system
        future: asyncio.Future[Any] = system.loop.create_future()
        stats = cell.stats
        started = perf_counter() if stats is not None else None
        envelope = Ask(message, future, cell.path, timeout, started)
        bucket = system.ask_deadlines.add(envelope, timeout)
        try:
            mailbox = cell.mailbox
            if len(mailbox) < cell.capacity and not cell.blocked:
                cell.accepted += 1  # `Cell.enqueue`, inlined: this is the ask hot path
                mailbox.append(envelope)
                waiter = cell.waiter
                if waiter is not None:
                    cell.waiter = None
                    if not waiter.done():
                        waiter.set_result(None)
            else:
                cell.block(envelope, None)
            result = await future
        except BaseException as error:
            # A reply that was set counts as answered (the cell timed it), even when this
            # task was cancelled before it could take it.
            if (
                stats is not None
                and started is not None
                and (not future.done() or future.cancelled() or future.exception() is not None)
            ):
                stats.ask_failed(error, perf_counter() - started)
            raise
        finally:
            bucket.discard(envelope)
        return result

    async def stop(self) -> None:
        """Let the current message finish, then stop; queued messages become dead letters."""
        await self._cell.stop_from_outside()

    def __repr__(self) -> str:
        state = "alive" if not self._cell.closed else "stopped"
        return f"<ActorRef {self._cell.path} {state}>"
