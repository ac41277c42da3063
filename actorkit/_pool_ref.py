"""The pool's ref: each message goes straight to a member's mailbox, chosen by the routing
(no extra hop through the pool's own mailbox). Only when the pool has no member (stopped,
or restarting) or is starting its members does a message go to the pool itself, which
hands it over later."""

from __future__ import annotations

import asyncio
import inspect
import itertools
import random
from collections.abc import Callable, Coroutine
from typing import TYPE_CHECKING, Any, NoReturn

from ._awaited import holds_current_task as inside
from ._envelope import acting
from ._errors import AskTimeout
from ._failure import key_failure
from ._hashring import GOLDEN, MASK64, SPLIT
from ._pool_broadcast import ask_every, own_copy_first, refuse
from ._pool_checks import ask_to_resize, check_size, not_resized, unhashable_key
from ._pool_handover import (
    dead_for_good,
    members_gone,
    none_left,
    pass_on,
    past_a_full_sender,
    past_the_asker,
)
from ._pool_routing import PoolRouting, staying_members
from ._ref import ActorRef
from ._seconds import check_seconds
from ._state import STOPPING
from ._system_checks import check_ref_loop
from ._when_due import clock_timeout

if TYPE_CHECKING:
    from ._cell import Cell


class PoolRef(PoolRouting):
    """The pool's ref: `tell`/`send`/`ask` go to one member chosen by the routing (all
    members for `broadcast`, where a member's refusal of a tell is its dead letter rather
    than a `MailboxFull`); `stop()` stops the pool and every member."""

    __slots__ = ()

    @classmethod
    def _for_pool(
        cls, cell: Cell, routing: str, hash_key: Callable[[Any], object] | None, size: int
    ) -> PoolRef:
        ref = cls._mint(cell)
        assert isinstance(ref, PoolRef)
        ref._routing = routing
        ref._joining = None
        ref._size = size
        ref._hash_key = hash_key
        ref._counter = itertools.count()
        ref._hold(True)
        return ref

    @property
    def members(self) -> list[ActorRef]:
        return [cell.ref for cell in staying_members(self._cell)]

    async def resize(self, size: int, timeout: float = 30.0) -> None:
        """Grow or shrink the pool to `size` members, as Akka's resizable pools do. New
        members start (their `on_start` done) before this returns. Members leaving a shrink,
        the highest-numbered first, are routed nothing from the moment of the call and stop
        once they have handled what was already queued for them, so no message is lost;
        this returns when they have (a leaver calling it, before its own drain, which waits
        for that call). The new size is kept if the pool restarts. A new member whose start
        fails raises its error here; the pool keeps the members that did start, and that
        size. `timeout` bounds the whole operation (`AskTimeout`), on the system clock."""
        size = check_size(size)
        seconds = check_seconds(timeout, "resize timeout")
        if self._cell.closed:  # before a timer: its loop may have ended with it
            raise not_resized(self._cell, size)
        check_ref_loop(self._cell.runtime, "resize", "pool")
        try:
            async with clock_timeout(self._cell.runtime.clock, seconds):
                outcome = await ask_to_resize(self._cell, size)
                if type(outcome) is list:  # the leavers' stops, but the caller's own
                    await asyncio.gather(*(end for cell, end in outcome if not inside(cell)))
        except TimeoutError:
            raise AskTimeout(
                f"resizing pool {self._cell.path} to {size} did not finish within {seconds} s "
                "(members still starting or draining); pass a larger timeout="
            ) from None
        if isinstance(outcome, Exception):
            raise outcome

    def tell(self, msg: Any) -> None:
        ring = self._ring
        if ring is not None:
            # Consistent hash with members: straight into the owner's mailbox. A refusal
            # (the owner stopped, or is full) takes the general path below.
            try:
                key = self._hash_key(msg)  # type: ignore[misc]
            except asyncio.CancelledError as error:
                raise key_failure(self._cell, error) from error
            try:
                position = (hash(key) * GOLDEN) & MASK64  # process_hash(key), without a call
            except TypeError:
                raise unhashable_key(key, self._cell.path) from None
            cell = ring.slots[position >> ring.shift]
            if cell is SPLIT:
                cell = ring.owner_at(position)
            if cell.state is not STOPPING and cell.mailbox.offer(msg):
                return
            member = self._owner_of(key)  # the owner itself unless it closed or stops
        elif self._routing == "broadcast":
            members = self._live()
            if members:
                refused: list[Cell] | None = None
                for cell in members:
                    if not cell.mailbox.offer(msg):
                        if refused is None:
                            refused = []
                        refused.append(cell)
                if refused is not None:
                    refuse(self._cell, msg, refused)
                return
            member = None
        else:
            member = self._pick(msg)
        if member is None:
            # No members: the pool is stopped (a dead letter), restarting (the pool's own
            # mailbox keeps it for the new members), or lost them for good (a dead letter).
            if not dead_for_good(self, msg):
                ActorRef.tell(self, msg)
        else:
            member.tell(msg)

    async def send(self, msg: Any) -> None:
        if self._routing == "broadcast":
            members = self._live()
            for cell in own_copy_first(members, msg):
                await cell.ref.send(msg)
            if not members:
                await self._send_to_pool(msg)
            return
        member = past_a_full_sender(self, self._pick(msg))
        if member is None:
            await self._send_to_pool(msg)
        elif not member._mailbox.offer(msg):  # room now: put here, no second coroutine
            if self._routing == "least_loaded":
                member = self._least_waiting(member)
            await member.send(msg)

    async def _send_to_pool(self, message: Any) -> None:
        """A send that found no member routed goes to the pool itself, which holds it for the
        members it (re)starts (`ActorRef.send`). A sender let into its full mailbox once
        members are routed again (the hand-over made that room) routes its message itself,
        as it would have been handed over: queued there, it would reach its member after
        what this sender sends next, which goes straight to the member. Past the member's
        bound, as the hand-over's: the pool took it, and the members may be full of what
        was handed over before it (a member's own send would raise `MailboxFull`)."""
        if members_gone(self):
            # Yield first, as a send to a stopped actor does: a producer loop aimed at this
            # pool must not spin; a cancellation in that yield leaves no fate behind.
            await asyncio.sleep(0)
            if dead_for_good(self, message):
                return
        cell = self._cell
        mailbox = cell.mailbox
        if mailbox.has_room or cell.closed or mailbox.final or asyncio.current_task() is cell.task:
            await ActorRef.send(self, message)
            return
        check_ref_loop(cell.runtime, "send", "ref")  # as `ActorRef.send`, before the line
        room = mailbox.line_up()
        assert room is not None  # open: `line_up` refuses only a closed mailbox
        try:
            outcome = await room
        except asyncio.CancelledError:
            mailbox.abandon(room)
            raise
        if mailbox.let_in(outcome) and self._live():
            mailbox.abandon(room)  # the place passes on to the next in line
            pass_on(self, message)
        elif not mailbox.take(room, outcome, message):  # the pool stopped meanwhile
            cell.runtime.dead_letters.add(message, cell.path, cell.runtime.stop_reason)

    def ask(self, msg: Any, timeout: float = 5.0) -> Coroutine[Any, Any, Any]:
        """Answered by one member; for `broadcast`, every member gets it and the first
        reply wins (Akka's behaviour), the others are discarded. A member that stopped
        before handling its copy does not answer while another copy may still be.

        `round_robin`, `random` and `consistent_hash` choose the member as `ask` is called
        and return that member's own ask, with no coroutine of the pool's around it (a tenth
        of a pool ask's instructions, a fifth with `consistent_hash`); `least_loaded` and
        `broadcast` choose as the ask is sent, at its first await, so that asks made together
        spread by the loads they leave."""
        members = self._members or self._live()  # a view dropped (`_forget`): rebuilt now
        if members:
            routing = self._routing
            if routing == "round_robin" or routing == "random":  # `_pick`'s first choice
                cell = (
                    members[next(self._counter) % len(members)]
                    if routing == "round_robin"
                    else random.choice(members)
                )
                if cell.state is STOPPING or cell.closed:
                    member = self._next_live() if routing == "round_robin" else self._any_live()
                    return self._ask_member(member, msg, timeout)
                asker = acting.get()  # empty outside a member's work: no mark to look up
                if asker and cell.mark in asker:
                    return self._ask_member(cell.ref, msg, timeout)
                return ActorRef.ask(cell.ref_ or cell.ref, msg, timeout)
            ring = self._ring
            if ring is not None:  # `consistent_hash`: the owner, found as `tell` finds it
                try:
                    key = self._hash_key(msg)  # type: ignore[misc]
                except asyncio.CancelledError as error:
                    return _raising(key_failure(self._cell, error))
                except BaseException as error:  # said at the first await, the key not asked
                    return _raising(error)  # again: whatever it is, as an `async def` would
                try:
                    position = (hash(key) * GOLDEN) & MASK64
                except TypeError:
                    return _raising(unhashable_key(key, self._cell.path))
                except BaseException as error:
                    return _raising(error)
                cell = ring.slots[position >> ring.shift]
                if cell is SPLIT:
                    cell = ring.owner_at(position)
                if cell.state is not STOPPING and not cell.closed:
                    return ActorRef.ask(cell.ref_ or cell.ref, msg, timeout)
                return self._ask_member(self._owner_of(key), msg, timeout)
        return self._ask(msg, timeout)

    async def _ask(self, message: Any, timeout: float) -> Any:
        """An ask whose member is chosen as it is sent (`ask`)."""
        if self._routing == "broadcast":
            members = self._live()
            if members:
                return await ask_every(members, message, timeout)
            return await self._ask_without_members(message, timeout)
        member = self._pick(message)
        if member is not None and member._cell.mark not in acting.get():  # `_ask_member`'s usual
            if member._mailbox.blocked and self._routing == "least_loaded":
                member = self._least_waiting(member)  # a line: others' may be shorter
            return await member.ask(message, timeout)
        return await self._ask_member(member, message, timeout)

    def _ask_member(
        self, member: ActorRef | None, message: Any, timeout: float
    ) -> Coroutine[Any, Any, Any]:
        """The ask of `member`, the routing's choice: of the pool itself without one, of
        another member when the routing chose the member asking (`past_the_asker`)."""
        if member is None:
            return self._ask_without_members(message, timeout)
        if member._cell.mark in acting.get() and self._routing != "consistent_hash":
            member = past_the_asker(self, member)
        return member.ask(message, timeout)

    async def _ask_without_members(self, message: Any, timeout: float) -> Any:
        """Asked of the pool itself, as a tell without members is told to it: a pool that is
        giving up or restarting hands it to its new members, one that lost its members for
        good fails it at once, a stopped one refuses it (`NotDelivered` both)."""
        if members_gone(self):
            check_seconds(timeout, "ask timeout")  # a wrong timeout is said first, as by any ask
            raise none_left(self)
        return await ActorRef.ask(self, message, timeout)


if hasattr(inspect, "markcoroutinefunction"):  # 3.12+: introspection sees what callers await
    inspect.markcoroutinefunction(PoolRef.ask)


async def _raising(error: BaseException) -> NoReturn:
    """The ask of a message whose key failed as `ask` was called: it fails with that error
    at its first await, where the owner's ask would have run (`PoolRef.ask`)."""
    raise error
