"""The pool's ref: each message goes straight to a member's mailbox, chosen by the routing
(no extra hop through the pool's own mailbox). Only when the pool has no member (stopped,
or restarting) or is starting its members does a message go to the pool itself, which
hands it over later."""

from __future__ import annotations

import asyncio
import itertools
import random
from collections.abc import Callable
from operator import attrgetter
from typing import TYPE_CHECKING, Any

from ._envelope import acting
from ._errors import AskTimeout
from ._failure import key_failure
from ._hashring import GOLDEN, MASK64, SPLIT, HashRing, process_hash
from ._outside_stop import holds_current_task as inside
from ._pool_checks import ask_to_resize, check_size, unhashable_key
from ._pool_handover import ask_copy, first_answer, key_of, past_a_full_sender, past_the_asker
from ._ref import ActorRef
from ._seconds import check_seconds
from ._state import RUNNING, STOPPING
from ._when_due import clock_timeout

if TYPE_CHECKING:
    from ._cell import Cell

_load = attrgetter("mailbox.load")  # queued messages, and idle wins a tie: in C, no frame
NOT_RUNNING = 1 << 62


def _running_first(cell: Cell) -> int:
    """A member that failed and awaits its pool's decision, or is restarting, handles nothing
    until it runs again, however short its queue (a suspended one is even parked on it, as an
    idle one is): it counts behind every running member, and is chosen only when none is
    running, the least loaded of those then, so that the message waits for its restart rather
    than being refused. Akka's SmallestMailbox scores a suspended routee last too."""
    load = cell.mailbox.load
    return load if cell.state is RUNNING else load + NOT_RUNNING


class PoolRef(ActorRef):
    """The pool's ref: `tell`/`send`/`ask` go to one member chosen by the routing (all
    members for `broadcast`, where a member's refusal of a tell is its dead letter rather
    than a `MailboxFull`); `stop()` stops the pool and every member."""

    __slots__ = (
        "_counter",
        "_hash_key",
        "_held",
        "_leaving",
        "_members",
        "_ring",
        "routing",
        "size",
    )

    routing: str
    size: int
    """The members the pool (re)starts with: `spawn_pool`'s size, then the last resize."""
    _hash_key: Callable[[Any], object] | None
    _counter: itertools.count[int]
    _members: list[Cell]
    _leaving: int
    """Members draining after a shrink, or stopping: children, but routed nothing."""
    _ring: HashRing[Cell] | None
    _held: bool
    """The pool is starting its members (`Pool.on_start`, at a start or a restart): the routing
    has no member until it hands over what it holds, so that what is sent meanwhile waits
    behind it in the pool's own mailbox, in order, and is routed once with every member
    (the hash ring of the first member alone would give a key to another owner)."""

    @classmethod
    def _for_pool(
        cls, cell: Cell, routing: str, hash_key: Callable[[Any], object] | None, size: int
    ) -> PoolRef:
        ref = cls._mint(cell)
        assert isinstance(ref, PoolRef)
        ref.routing = routing
        ref.size = size
        ref._hash_key = hash_key
        ref._counter = itertools.count()
        ref._hold(True)
        return ref

    @property
    def members(self) -> list[ActorRef]:
        return [cell.ref for cell in _staying(self._cell)]

    def _live(self) -> list[Cell]:
        members = self._members
        if len(members) + self._leaving != len(self._cell.children) or any(
            cell.draining or cell.state is STOPPING for cell in members
        ):
            members = self._refresh()
        return members

    def _hold(self, held: bool) -> None:
        self._held = held
        self._forget()

    def _forget(self) -> None:
        """Drop the routing: its next use rebuilds it from the pool's children. The routing
        paths keep using a member while it is open, so the pool calls this whenever it adds
        one: a view built while members were still starting would otherwise route to those
        first forever. Lazily, so a start of n members builds the hash ring once, not n times."""
        self._members = []
        self._leaving = 0
        self._ring = None

    def _refresh(self) -> list[Cell]:
        pool = self._cell
        staying = _staying(pool)
        self._leaving = len(pool.children) - len(staying)
        members = self._members = [] if self._held else staying
        if self.routing == "consistent_hash":
            self._ring = (
                HashRing(members, label=lambda cell: cell.name, key_hash=process_hash)
                if members
                else None
            )
        return members

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

    def _pick(self, message: Any) -> ActorRef | None:
        members = self._members
        routing = self.routing
        if routing == "round_robin":
            if members:
                cell = members[next(self._counter) % len(members)]
                if cell.state is not STOPPING and not cell.closed:
                    return cell.ref
            members = self._live()
            return members[next(self._counter) % len(members)].ref if members else None
        if routing == "consistent_hash":
            return self._owner(message)
        if routing == "random":  # as `round_robin`: only the member picked is checked
            picked = random.choice(members) if members else None
            if picked is not None and picked.state is not STOPPING and not picked.closed:
                return picked.ref
            members = self._live()
            return random.choice(members).ref if members else None
        members = self._live()  # `least_loaded`, the routing left (`check_pool`)
        if not members:
            return None
        cell = min(members, key=_load)
        if cell.state is not RUNNING:  # what `_running_first` picks when this one runs
            cell = min(members, key=_running_first)
        return cell.ref

    def _owner(self, message: Any) -> ActorRef | None:
        key = key_of(self._hash_key, message, self._cell)  # type: ignore[arg-type]  # set
        try:
            return self._owner_of(key)
        except TypeError:  # placing an unhashable key: say whose it is
            raise unhashable_key(key, self._cell.path) from None

    def _owner_of(self, key: object) -> ActorRef | None:
        ring = self._ring
        if ring is not None:
            cell = ring.node_for(key)
            if cell.state is not STOPPING and not cell.closed:
                return cell.ref
        if not self._live():
            return None
        assert self._ring is not None
        return self._ring.node_for(key).ref

    def tell(self, message: Any) -> None:
        ring = self._ring
        if ring is not None:
            # Consistent hash with members: straight into the owner's mailbox. A refusal
            # (the owner stopped, or is full) takes the general path below.
            try:
                key = self._hash_key(message)  # type: ignore[misc]
            except asyncio.CancelledError as error:
                raise key_failure(self._cell, error) from error
            try:
                position = (hash(key) * GOLDEN) & MASK64  # process_hash(key), without a call
            except TypeError:
                raise unhashable_key(key, self._cell.path) from None
            cell = ring.slots[position >> ring.shift]
            if cell is SPLIT:
                cell = ring.owner_at(position)
            if cell.state is not STOPPING and cell.mailbox.offer(message):
                return
            member = self._owner_of(key)  # the owner itself unless it closed or stops
        elif self.routing == "broadcast":
            members = self._live()
            if members:
                refused: list[Cell] | None = None
                for cell in members:
                    if not cell.mailbox.offer(message):
                        if refused is None:
                            refused = []
                        refused.append(cell)
                if refused is not None:
                    self._refused(message, refused)
                return
            member = None
        else:
            member = self._pick(message)
        if member is None:
            # No members: the pool is stopped (a dead letter), restarting (the pool's own
            # mailbox keeps it for the new members), or lost them all (`Pool.receive`).
            ActorRef.tell(self, message)
        else:
            member.tell(message)

    def _refused(self, message: Any, refused: list[Cell]) -> None:
        """The copies of a broadcast tell that members refused. A broadcast is a fan-out, as
        a publish is: each refused copy is a dead letter of its member rather than a
        `MailboxFull`, since the caller could not resend to the full members alone and a
        resend to the pool would duplicate the message at the others (docs/api.md §9, Router)."""
        dead = self._cell.runtime.dead_letters
        for cell in refused:
            if cell.closed:  # told from code its close runs (a log handler): still a child
                dead.add(message, cell.path, "stopped")
                continue
            if cell.stats is not None:
                cell.stats.dropped += 1
            dead.add(message, cell.path, "mailbox_full")

    async def send(self, message: Any) -> None:
        if self.routing == "broadcast":
            members = self._live()
            for cell in members:
                await cell.ref.send(message)
            if not members:
                await ActorRef.send(self, message)
            return
        member = past_a_full_sender(self, self._pick(message))
        await (ActorRef.send(self, message) if member is None else member.send(message))

    async def ask(self, message: Any, timeout: float = 5.0) -> Any:
        """Answered by one member; for `broadcast`, every member gets it and the first
        reply wins (Akka's behaviour), the others are discarded. A member that stopped
        before handling its copy does not answer while another copy may still be."""
        if self.routing == "broadcast":
            members = self._live()
            if not members:
                return await self._ask_without_members(message, timeout)
            answer: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
            settle = first_answer(answer, len(members))
            asks = [asyncio.ensure_future(ask_copy(cell, message, timeout)) for cell in members]
            for copy in asks:
                copy.add_done_callback(settle)
            # Once answered, the other copies run on to their own replies or timeouts, which
            # `settle` retrieves: one waiting for room at a full member, cancelled, would
            # never reach it, and be no dead letter either.
            try:
                return await answer
            except asyncio.CancelledError:
                for pending in asks:
                    pending.cancel()  # the asker gave up: so do the copies not yet sent
                raise
        member = self._pick(message)
        if member is None:
            return await self._ask_without_members(message, timeout)
        if acting.get() == id(member._cell) and self.routing != "consistent_hash":
            member = past_the_asker(self, member)
        return await member.ask(message, timeout)

    async def _ask_without_members(self, message: Any, timeout: float) -> Any:
        """Asked of the pool itself, as a tell without members is told to it: a pool that is
        giving up or restarting hands it to its new members, one that lost its members for
        good fails it (`Pool.receive`), a stopped one refuses it (`NotDelivered`)."""
        return await ActorRef.ask(self, message, timeout)


def _staying(pool: Cell) -> list[Cell]:
    """The pool's members: its children but those leaving a shrink or stopping."""
    return [c for c in pool.children.values() if not c.draining and c.state is not STOPPING]
