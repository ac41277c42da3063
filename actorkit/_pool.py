"""Pools: a supervising actor whose members are its children, behind a ref that routes each
message straight to a member's mailbox (no extra hop through the pool's own mailbox)."""

from __future__ import annotations

import asyncio
import itertools
import random
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ._actor import Actor
from ._envelope import Ask
from ._errors import ActorStopped, MailboxFull
from ._hashring import HashRing, process_hash
from ._mailbox import reject
from ._ref import ActorRef
from ._seconds import check_seconds
from ._signals import Stop
from ._state import State

if TYPE_CHECKING:
    from ._cell import Cell


def _load(cell: Cell) -> int:
    return cell.mailbox.load


ROUTINGS = ("round_robin", "random", "least_loaded", "consistent_hash", "broadcast")


class PoolRef(ActorRef):
    """The pool's ref: `tell`/`send`/`ask` go to one member chosen by the routing (all
    members for `broadcast`); `stop()` stops the pool and every member."""

    __slots__ = ("_counter", "_hash_key", "_leaving", "_members", "_ring", "routing", "size")

    routing: str
    size: int
    """The members the pool (re)starts with: `spawn_pool`'s size, then the last resize."""
    _hash_key: Callable[[Any], object] | None
    _counter: itertools.count[int]
    _members: list[Cell]
    _leaving: int
    """Members draining after a shrink: children, but routed nothing."""
    _ring: HashRing[Cell] | None

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
        ref._members = []
        ref._leaving = 0
        ref._ring = None
        return ref

    @property
    def members(self) -> list[ActorRef]:
        return [cell.ref for cell in self._live()]

    def _live(self) -> list[Cell]:
        members = self._members
        children = self._cell.children
        if len(members) + self._leaving != len(children) or any(
            cell.closed or cell.draining for cell in members
        ):
            members = self._members = [c for c in children.values() if not c.draining]
            self._leaving = len(children) - len(members)
            if self.routing == "consistent_hash":
                self._ring = HashRing(members, label=lambda cell: cell.name, key_hash=process_hash)
        return members

    async def resize(self, size: int, timeout: float = 30.0) -> None:
        """Grow or shrink the pool to `size` members, as Akka's resizable pools do. New
        members start (their `on_start` done) before this returns. Members leaving a
        shrink, the highest-numbered first, are routed nothing from the moment of the call
        and stop once they have handled what was already queued for them, so no message
        is lost; this returns when they have. The new size is kept if the pool restarts.
        `timeout` bounds the whole operation (`AskTimeout`)."""
        check_size(size)
        async with asyncio.timeout(check_seconds(timeout, "resize timeout")):
            leaving: list[asyncio.Future[None]] = await ActorRef.ask(self, _Resize(size), timeout)
            await asyncio.gather(*(asyncio.shield(done) for done in leaving))

    def _pick(self, message: Any) -> ActorRef | None:
        members = self._members
        routing = self.routing
        if routing == "round_robin":
            if members:
                cell = members[next(self._counter) % len(members)]
                if not cell.closed:
                    return cell.ref
            members = self._live()
            return members[next(self._counter) % len(members)].ref if members else None
        if routing == "consistent_hash":
            return self._owner(message)
        members = self._live()
        if not members:
            return None
        if routing == "random":
            return random.choice(members).ref
        if routing == "least_loaded":
            return min(members, key=_load).ref  # queued messages, and idle wins a tie
        raise AssertionError(f"unknown routing {routing!r}")  # check_pool rejects it earlier

    def _owner(self, message: Any) -> ActorRef | None:
        assert self._hash_key is not None
        key = self._hash_key(message)
        ring = self._ring
        if ring is not None and self._members:
            cell = ring.node_for(key)
            if not cell.closed:
                return cell.ref
        if not self._live():
            return None
        assert self._ring is not None
        return self._ring.node_for(key).ref

    def tell(self, message: Any) -> None:
        if self.routing == "broadcast":
            members = self._live()
            for cell in members:
                cell.ref.tell(message)
            if members:
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

    async def send(self, message: Any) -> None:
        if self.routing == "broadcast":
            members = self._live()
            for cell in members:
                await cell.ref.send(message)
            if members:
                return
            await ActorRef.send(self, message)
            return
        member = self._pick(message)
        await (ActorRef.send(self, message) if member is None else member.send(message))

    async def ask(self, message: Any, timeout: float = 5.0) -> Any:
        """Answered by one member; for `broadcast`, every member gets it and the first
        reply wins (Akka's behaviour), the others are discarded."""
        if self.routing == "broadcast":
            members = self._live()
            if not members:
                return await self._ask_without_members(message, timeout)
            asks = [asyncio.ensure_future(cell.ref.ask(message, timeout)) for cell in members]
            try:
                done, _ = await asyncio.wait(asks, return_when=asyncio.FIRST_COMPLETED)
                return next(iter(done)).result()
            finally:
                for pending in asks:
                    if pending.done():
                        if not pending.cancelled():
                            pending.exception()  # retrieved: losers must not warn
                    else:
                        pending.cancel()
        member = self._pick(message)
        if member is None:
            return await self._ask_without_members(message, timeout)
        return await member.ask(message, timeout)

    async def _ask_without_members(self, message: Any, timeout: float) -> Any:
        cell = self._cell
        if cell.state == State.RUNNING:
            raise ActorStopped(
                f"every member of pool {cell.path} has stopped; the ask was not delivered"
            )
        return await ActorRef.ask(self, message, timeout)  # stopped: ActorStopped


class Pool(Actor):
    """Starts `size` members named `0`, `1`, … and supervises them (one_for_one). Messages
    published to the pool (when it subscribes) are routed like tells."""

    def __init__(
        self,
        factory: Any,
        args: tuple[Any, ...],
        kwargs: dict[str, Any],
        size: int,
        routing: str,
        hash_key: Callable[[Any], object] | None,
        options: dict[str, Any],
    ) -> None:
        self.factory = factory
        self.args = args
        self.kwargs = kwargs
        self.options = options
        cell = self._cell
        if not isinstance(cell.ref, PoolRef):  # a restarted pool keeps the ref users hold
            cell.ref = PoolRef._for_pool(cell, routing, hash_key, size)

    @property
    def _pool_ref(self) -> PoolRef:
        ref = self._cell.ref
        assert isinstance(ref, PoolRef)
        return ref

    async def on_start(self) -> None:
        for index in range(self._pool_ref.size):
            await self._add_member(str(index))
        self._hand_over()

    async def _add_member(self, name: str) -> None:
        await self.spawn(self.factory, *self.args, name=name, **self.options, **self.kwargs)

    async def _resize(self, size: int) -> list[asyncio.Future[None]]:
        """Runs in the pool's own task, between the handling of supervision signals, so a
        member restart never interleaves with it. Returns when the new members have started;
        the leaving ones are told to drain and stop, and their completions returned."""
        ref = self._pool_ref
        ref.size = size
        members = ref._live()
        if len(members) < size:
            taken = {cell.name for cell in self._cell.children.values()}
            free = (str(i) for i in itertools.count() if str(i) not in taken)
            for name in itertools.islice(free, size - len(members)):
                await self._add_member(name)
            ref._live()
            return []
        # Running members drain what they hold; a member failing or restarting right now
        # could only stop at once, so it leaves last. Highest-numbered first otherwise.
        by_preference = sorted(
            members, key=lambda cell: (cell.state == State.RUNNING, int(cell.name)), reverse=True
        )
        leaving = by_preference[: len(members) - size]
        for cell in leaving:
            cell.draining = True  # out of the routing now: `_live` skips draining members
        ref._live()
        done = []
        for cell in leaving:
            stopped = asyncio.get_running_loop().create_future()
            cell.stop_waiters.append(stopped)
            cell.post(Stop(None, drain=True))
            done.append(stopped)
        return done

    def _hand_over(self) -> None:
        """What reached the pool itself while it restarted (it had no members then) goes to
        the new members, in order; an ask goes as it is, so that a member answers the asker.
        Nothing here awaits a member: a supervisor waiting on its child could deadlock."""
        # Resizes are the pool's own business, handled after the restart; the members
        # account for what is handed over.
        for message in self._cell.mailbox.hand_over(keep=_is_resize):
            if type(message) is Ask:
                self._forward(message)
            else:
                self._route(message)

    def _forward(self, envelope: Ask) -> bool:
        """Put an ask envelope in a member's mailbox (past its bound, like a task); False
        when there is no member, after failing the ask."""
        ref = self.ref
        assert isinstance(ref, PoolRef)
        if ref.routing == "broadcast":  # the first member answers, as the first reply would
            members = ref._live()
            member = members[0].ref if members else None
        else:
            member = ref._pick(envelope.message)
        if member is None:
            if not envelope.future.done():
                envelope.future.set_exception(
                    ActorStopped(f"every member of pool {self.path} has stopped")
                )
            return False
        cell = member._cell
        if not cell.mailbox.force(envelope):
            reject(envelope, cell.path, "stopped", self.system.dead_letters)
        return True

    def _route(self, message: Any) -> None:
        ref = self.ref
        assert isinstance(ref, PoolRef)
        if not ref._live():
            # Every member was stopped from outside: nobody will ever handle it. Telling the
            # pool's ref again would bring it straight back here, forever.
            self.system.dead_letters.add(message, self.path, "stopped")
            return
        try:
            ref.tell(message)
        except MailboxFull:
            # As for a publish: a full member is a dead letter, never a crash of the pool
            # (and never a wait, which could deadlock on a member waiting for this pool).
            self.system.dead_letters.add(message, self.path, "mailbox_full")

    async def receive(self, message: Any) -> Any:
        if type(message) is _Resize:
            return await self._resize(message.size)
        envelope = self._cell.handling
        if type(envelope) is Ask:
            # Only after the pool was resumed rather than restarted (a restart hands them
            # over in `on_start`): a member answers the asker. Waiting for that answer is
            # bounded by the ask's own deadline.
            if self._forward(envelope):
                await asyncio.wait([envelope.future])
            return None
        self._route(message)
        return None


class _Resize:
    """`PoolRef.resize`'s request, asked of the pool actor itself (past the routing)."""

    __slots__ = ("size",)

    def __init__(self, size: int) -> None:
        self.size = size


def _is_resize(message: object) -> bool:
    return type(message) is Ask and type(message.message) is _Resize


def check_size(size: object) -> None:
    if not isinstance(size, int) or isinstance(size, bool) or size < 1:
        raise ValueError(f"pool size must be an int >= 1, got {size!r}")


def check_pool(size: object, routing: object, hash_key: object) -> None:
    check_size(size)
    if routing not in ROUTINGS:
        raise ValueError(f"routing must be one of {list(ROUTINGS)}, got {routing!r}")
    if routing == "consistent_hash" and not callable(hash_key):
        raise ValueError(
            "routing='consistent_hash' needs hash_key=, a function from message to key "
            "(for example hash_key=lambda msg: msg.user_id)"
        )
    if hash_key is not None and routing != "consistent_hash":
        raise ValueError("hash_key= is only used with routing='consistent_hash'")
