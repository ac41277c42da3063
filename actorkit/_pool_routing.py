"""Which member a pool's message goes to: the routing's view of the members, rebuilt lazily
from the pool's children, and each routing's choice (`PoolRef` sends through it)."""

from __future__ import annotations

import itertools
import random
from collections.abc import Callable
from operator import attrgetter
from typing import TYPE_CHECKING, Any, NoReturn

from ._envelope import acting
from ._hashring import HashRing, process_hash
from ._pool_checks import unhashable_key
from ._pool_handover import key_of
from ._ref import ActorRef
from ._state import RUNNING, STARTING, STOPPING

if TYPE_CHECKING:
    from ._cell import Cell

_load = attrgetter("mailbox.load")  # queued messages, and idle wins a tie: in C, no frame
NOT_RUNNING = 1 << 62
FULL = 1 << 63


def _running_first(cell: Cell) -> int:
    """A member that failed and awaits its pool's decision, or is restarting, handles nothing
    until it runs again, however short its queue (a suspended one is even parked on it, as an
    idle one is): it counts behind every running member, and is chosen only when no running
    member has room (`_room_first`), the least loaded of those then, so that the message waits
    for its restart rather than being refused. Akka's SmallestMailbox scores a suspended
    routee last too."""
    load = cell.mailbox.load
    return load if cell.state is RUNNING else load + NOT_RUNNING


def _room_first(cell: Cell) -> int:
    """`_running_first`, behind every member with room if this one has none: a `tell` to it
    would be refused (`MailboxFull`) and a `send` would wait, while a sibling, even one
    restarting, takes the message now."""
    return _running_first(cell) + (0 if cell.mailbox.has_room else FULL)


def _backlog(cell: Cell) -> int:
    """`_running_first`, counting the senders granted a place in the member's mailbox or
    waiting in line for one: each is a message it takes before any sent after. Read only
    for a send or an ask that found the member `least_loaded` chose full (`_least_waiting`),
    where every member's queue is full and only their lines tell them apart: counted in
    `load` itself, they would cost every pick of every tell."""
    mailbox = cell.mailbox
    return _running_first(cell) + 2 * (mailbox.reserved + len(mailbox.blocked or ()))


class PoolRouting(ActorRef):
    """The routing half of `PoolRef`: the members it routes to and the choice among them."""

    __slots__ = (
        "_counter",
        "_hash_key",
        "_held",
        "_joining",
        "_leaving",
        "_members",
        "_ring",
        "_routing",
        "_size",
    )

    _routing: str
    _size: int
    _hash_key: Callable[[Any], object] | None
    _counter: itertools.count[int]

    @property
    def routing(self) -> str:
        return self._routing

    @routing.setter
    def routing(self, _: object) -> NoReturn:
        raise AttributeError(
            f"{self.path}'s routing is fixed at spawn_pool(routing=...): a ref is an identity, "
            "not a setting; spawn another pool to route otherwise"
        )

    @property
    def size(self) -> int:
        """The members the pool (re)starts with: `spawn_pool`'s size, then the last resize."""
        return self._size

    @size.setter
    def size(self, _: object) -> NoReturn:
        raise AttributeError(
            f"{self.path}'s size is changed by `await pool.resize(size)`, which starts or "
            "stops its members"
        )

    _members: list[Cell]
    _leaving: int
    """Children routed nothing (`routed_members`): draining after a shrink, stopping, still
    starting, or closed."""
    _ring: HashRing[Cell] | None
    _held: bool
    """The pool is starting its members (`Pool.on_start`, at a start or a restart): the routing
    has no member until it hands over what it holds, so that what is sent meanwhile waits
    behind it in the pool's own mailbox, in order, and is routed once with every member
    (the hash ring of the first member alone would give a key to another owner)."""

    _joining: str | None
    """The name of the member the pool is adding (`Pool._add_member`): routed nothing until
    the pool saw its start end, though it runs before that, so that what the pool holds is
    handed over to it before what is sent once it runs."""

    def _live(self) -> list[Cell]:
        members = self._members
        if len(members) + self._leaving != len(self._cell.children):
            return self._refresh()
        for cell in members:  # a loop, not `any()` over a generator: a third of the cost
            if cell.draining or cell.state is STOPPING:
                return self._refresh()
        return members

    def _hold(self, held: bool) -> None:
        self._held = held
        self._forget()

    def _forget(self) -> None:
        """Drop the routing: its next use rebuilds it from the pool's children. The routing
        paths keep using a view while its members are open, so the pool calls this whenever
        it adds one: a view built while a member was still starting, without it, would
        otherwise never route to it. Lazily, so a start of n members builds the hash ring
        once, not n times."""
        self._members = []
        self._leaving = 0
        self._ring = None

    def _refresh(self) -> list[Cell]:
        pool = self._cell
        routed = routed_members(pool)
        joining = self._joining
        if joining is not None:
            routed = [cell for cell in routed if cell.name != joining]
        self._leaving = len(pool.children) - len(routed)
        members = self._members = [] if self._held else routed
        if self._routing == "consistent_hash":
            self._ring = (
                HashRing(members, label=lambda cell: cell.name, key_hash=process_hash)
                if members
                else None
            )
        return members

    def _pick(self, message: Any) -> ActorRef | None:
        members = self._members
        routing = self._routing
        if routing == "round_robin":
            if members:
                cell = members[next(self._counter) % len(members)]
                if cell.state is not STOPPING and not cell.closed:
                    return cell.ref
            return self._next_live()
        if routing == "consistent_hash":
            return self._owner(message)
        if routing == "random":  # as `round_robin`: only the member picked is checked
            picked = random.choice(members) if members else None
            if picked is not None and picked.state is not STOPPING and not picked.closed:
                return picked.ref
            return self._any_live()
        # `least_loaded`, the routing left (`check_pool`). The least loaded of the view as it
        # stands is the least loaded of the live members when it is live itself (the live
        # ones are the view less those leaving or stopping, in its order, while no member has
        # left the pool's children): only the one chosen is checked, not all (`_live`).
        # A member whose places are all promised to senders waiting for room (`reserved`) has
        # none, though its queue may be the shortest: the slow choice passes it over.
        if members and len(members) + self._leaving == len(self._cell.children):
            cell = min(members, key=_load)
            mailbox = cell.mailbox
            if cell.state is RUNNING and not cell.draining and len(mailbox.queue) < mailbox.limit:
                return cell.ref_ or cell.ref
        members = self._live()
        if not members:
            return None
        cell = min(members, key=_load)
        if cell.state is not RUNNING or not cell.mailbox.has_room:
            cell = min(members, key=_room_first)  # what it picks when this one runs with room
        return cell.ref

    def _least_waiting(self, full: ActorRef) -> ActorRef:
        """`least_loaded`'s member for a send or an ask that found `full`, the one `_pick`
        chose, without room: the member with the shortest line of senders, so that senders
        spread over full members rather than all joining the first one's line (behind a
        member that stalls, they would wait while its siblings went idle). A member acting
        through the caller is passed over (`past_the_asker`) unless it is the only one."""
        asker = acting.get()
        members = [cell for cell in self._live() if not (asker and cell.mark in asker)]
        return min(members, key=_backlog).ref if members else full

    def _next_live(self) -> ActorRef | None:
        """`round_robin` past a member that stopped or stops, or without a view: rebuilt,
        not checked (`_live`), which would keep a member closed but still a child, as one
        is while code its close runs (a log handler) routes to the pool."""
        members = self._refresh()
        return members[next(self._counter) % len(members)].ref if members else None

    def _any_live(self) -> ActorRef | None:
        """`random` past a member that stopped or stops, or without a view (`_next_live`)."""
        members = self._refresh()
        return random.choice(members).ref if members else None

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
        if not self._refresh():  # rebuilt, as for `_next_live`
            return None
        assert self._ring is not None
        return self._ring.node_for(key).ref


def staying_members(pool: Cell) -> list[Cell]:
    """The pool's members (`PoolRef.members`): its children but those leaving a shrink or
    stopping; those still starting are listed too."""
    return [c for c in pool.children.values() if not c.draining and c.state is not STOPPING]


def routed_members(pool: Cell) -> list[Cell]:
    """The members the routing picks from: `staying_members` but those a grow is still
    starting (`on_start`), routed nothing until they run, since one whose start fails would
    leave what it was given dead letters (`Pool._add_member` rebuilds the routing once each
    has started), and one closed but still a child, as it is while code its close runs."""
    return [
        c
        for c in pool.children.values()
        if not c.draining and c.state is not STOPPING and c.state is not STARTING and not c.closed
    ]
