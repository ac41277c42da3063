"""A durable instance's link to its store, and the codec's bytes for what it stores.

Only the live instance of a durable actor writes. One replaced by a restart, or whose actor
stopped, keeps its binding (a task it left running may still hold it), so the binding is
retired then: its `persist`, `save` and reminders raise `ActorStopped` before writing, instead
of landing behind the live instance's back and failing that one's next write as a conflict.
The writes it had in flight then (all kinds) still land, and the next instance's recovery
waits for them before it reads the store.
"""

from __future__ import annotations

import asyncio
from collections import deque
from typing import TYPE_CHECKING, Any

from .._errors import ActorStopped, PersistenceConflict
from .._shown import shown
from .._wire import BadPayload
from . import _payload
from ._evolution import unreadable, warn_dropped
from ._refusals import refuse

if TYPE_CHECKING:
    from .._cell import Cell
    from ._metrics import DurableStats, Operation
    from ._reminders import Reminders
    from ._service import Persistence
    from ._store import Store
    from ._wall import Armed


class Retired:
    """`Binding.busy` once its instance was replaced by a restart or its actor stopped:
    truthy, so that the one check `persist` makes before writing refuses it too.
    `in_flight` is set when writes were in flight then (`left` of them, a persist or save and
    any reminder writes): the next instance's recovery waits for the last of them, so as not
    to read the store just before one lands."""

    __slots__ = ("in_flight", "left", "replaced")

    def __init__(self, replaced: bool, in_flight: asyncio.Future[None] | None, left: int) -> None:
        self.replaced: bool = replaced
        self.in_flight: asyncio.Future[None] | None = in_flight
        self.left: int = left


class _Recovering:
    """`Binding.busy` until the instance's recovery finished (see `RECOVERING`)."""

    __slots__ = ()


RECOVERING = _Recovering()
"""Truthy, so that the one check `persist` and `save` make refuses them before recovery, as
`begin_reminder` does. Only a task that `__init__` started can write so early, and its write
would race those of the instance before (which recovery waits for, so a retirement hands on
only one of the two), and a persist would be replayed onto the state it applied to."""

_REPLACED = Retired(True, None, 0)
_STOPPED = Retired(False, None, 0)
"""Shared by the instances retired with no write in flight: nothing to build per stop."""


class Binding:
    """One durable instance's link to its store, in one attribute of the user's object."""

    __slots__ = (
        "after", "armed", "busy", "cell", "persistence_id", "recovered", "reminders", "reminding",
        "seq", "service", "snapshot_every", "snapshot_owed", "stale", "stats", "store", "waiting",
    )  # fmt: skip

    def __init__(
        self, service: Persistence, cell: Cell, persistence_id: str, actor_type: str
    ) -> None:
        self.service: Persistence = service
        self.store: Store = service.store
        self.cell: Cell = cell
        self.persistence_id: str = persistence_id
        self.seq: int = 0
        """The last event's sequence number (`EventSourced`) or the state's revision."""
        self.recovered: bool = False
        self.snapshot_every: int = 0  # the cadence `EventSourced._configured` checked
        self.snapshot_owed: bool = False
        """An `EventSourced` persist crossed a snapshot mark but was cancelled before taking
        the snapshot: its next persist of events that returns takes it."""
        self.stale: bool = False
        """The instance's state no longer matches the store (another writer got there first,
        or `apply` failed on events already stored): a supervisor's resume restarts it."""
        self.busy: bool | Retired | _Recovering = RECOVERING
        """`RECOVERING` until its recovery finished; then True while a persist or save of
        this instance is in flight or handed its turn (one at a time); a `Retired` once the
        instance was replaced or its actor stopped."""
        self.waiting: deque[asyncio.Future[bool]] = deque()
        """The persists and saves called while another was in flight, in call order: each
        is handed its turn (True) when the one before ends, told (False) that the instance
        was retired meanwhile, or refused when one called before it ended unstored."""
        self.reminding: int = 0
        """Reminder writes of this instance in flight: any number, beside a persist or save."""
        self.after: asyncio.Future[None] | None = None
        """The end of the writes the instance before this one had in flight when it was
        retired."""
        self.reminders: Reminders | None = None
        self.armed: dict[str, Armed] = {}
        """By key, the reminders armed on this instance's timers (`_wall`)."""
        metrics = service.metrics
        self.stats: DurableStats | None = None if metrics is None else metrics.of(actor_type)

    def decode(self, payload: bytes, what: str, seq: int | None = None) -> Any:
        """`what` names the value in a warning or an error, followed by `seq` when given:
        a replay formats no name per event, only for the one that does not decode."""
        try:
            value = _payload.decode(payload)
        except BadPayload as error:
            raise unreadable(error, _named(what, seq), self.persistence_id) from None
        if _payload.dropped:
            warn_dropped(_named(what, seq), self.persistence_id)
        return value

    def failed(self, operation: Operation, error: BaseException) -> None:
        """The store failed this instance's `operation`: counted by its class. A conflict of
        a fenced write (`persist`, `save`) leaves the instance behind its store; one of a
        snapshot or reminder write (a lost race on its row) says nothing of its state."""
        if isinstance(error, PersistenceConflict) and operation in ("persist", "save"):
            self.stale = True
        if operation in ("persist", "save") and self.waiting:
            self._refuse_waiting(operation, f"failed ({shown(error)})", error)
        if self.stats is not None:
            self.stats.failed(operation, error)

    def apply_failed(self, error: BaseException) -> None:
        """A persist stored its events but `apply` raised: its caller gets that error, so the
        writes called after it are refused as after a failed write (it still holds the turn,
        which it hands on only after `apply`)."""
        if self.waiting:
            why = f"failed (its events were stored, but apply raised {shown(error)})"
            self._refuse_waiting("persist", why, error)

    def abandoned(self, operation: str, stored: bool | None) -> None:
        """A persist or save holding the turn was cancelled, and the store does not hold it
        (`stored` False) or could not say (None): the writes called after it are refused as
        after a failed one, else they would commit without it (or, had it landed, fail as a
        conflict with their own instance)."""
        if self.waiting:
            doubt = ", and may have been stored (the store could not be read back)"
            self._refuse_waiting(operation, "was cancelled" + ("" if stored is False else doubt))

    def _refuse_waiting(self, operation: str, why: str, error: BaseException | None = None) -> None:
        waiting, self.waiting = self.waiting, deque()
        refuse(waiting, self.persistence_id, operation, why, error)

    @property
    def retired(self) -> bool:
        return isinstance(self.busy, Retired)

    def recovered_now(self) -> None:
        """Its recovery finished: the instance writes from now on, unless it was retired."""
        if self.busy is RECOVERING:
            self.busy = False

    def refusal(self, what: str) -> Exception:
        """Why a write cannot start now (`busy` is set)."""
        busy = self.busy
        if busy is RECOVERING:
            return RuntimeError(
                f"{what} refused: {self.cell.display_path} has not finished recovering from "
                "the store, and writes only after; nothing was written (called from a task "
                "that __init__ started? write from on_start, which runs after recovery)"
            )
        if isinstance(busy, Retired):
            path = self.cell.display_path
            why = (
                f"this instance of {path} was replaced by a restart, and only the new one writes"
                if busy.replaced
                else f"{path} is stopped, and writes nothing more"
            )
            return ActorStopped(
                f"{what} refused: {why}; nothing was written (called from a task left "
                "running? end such tasks in on_stop)"
            )
        raise AssertionError(f"{what}: no refusal while the instance writes ({busy!r})")

    async def turn(self, what: str) -> None:
        """Waits until the persists and saves called before this one have ended, so that
        writes started together (`gather`, a task beside a handler) commit in call order,
        each fenced by the sequence number the one before it made: sent at once, the second
        would carry the same expected number and fail as a conflict with its own instance.
        Returns holding the turn (`busy` True); `ActorStopped` when the instance is retired
        first, and the error of the failed one's kind when one called before it failed or
        was cancelled unstored, with nothing written."""
        waiter: asyncio.Future[bool] = self.cell.runtime.loop.create_future()
        self.waiting.append(waiter)
        try:
            handed = await waiter
        except asyncio.CancelledError:
            # Cancelled unstored: the writes called after it are refused, as after a failure.
            handed = waiter.done() and not waiter.cancelled() and waiter.exception() is None
            if handed and waiter.result():  # handed the turn as it was cancelled
                self.abandoned(what, False)
                self.end_write()
            elif waiter in self.waiting:
                waiting = list(self.waiting)
                at = waiting.index(waiter)
                self.waiting = deque(waiting[:at])
                refuse(waiting[at + 1 :], self.persistence_id, what, "was cancelled")
            raise
        if handed and isinstance(self.busy, Retired):  # retired before its turn came
            self.end_write()
            handed = False
        if not handed:
            raise self.refusal(what)

    def begin_reminder(self, what: str) -> None:
        """A reminder write starts: refused before recovery and for a retired instance, else
        in flight until `end_reminder`, so that a restart or stop meanwhile hands it to the
        next instance. Beside a persist or save in flight (`busy` True) it may start."""
        if self.busy is not True and self.busy:
            raise self.refusal(what)
        self.reminding += 1

    def retire(self, replaced: bool) -> asyncio.Future[None] | None:
        """End this instance's writes (`replaced` by a restart, else stopped); returns a future
        of the end of those it has in flight, if any, for the next instance to wait for. One
        retired while its recovery still waited for the writes of the instance before it
        wrote nothing itself, and hands those on instead."""
        busy = self.busy
        if isinstance(busy, Retired):
            return busy.in_flight
        waiting, self.waiting = self.waiting, deque()
        for waiter in waiting:  # their turn will not come: they raise `ActorStopped`
            if not waiter.done():
                waiter.set_result(False)
        left = (busy is True) + self.reminding
        after = self.after
        if left:
            in_flight = self.cell.runtime.loop.create_future()
        elif after is not None and not after.done():
            in_flight = after
            in_flight.add_done_callback(lambda _: self.service.written(self))
        else:
            self.busy = _REPLACED if replaced else _STOPPED
            return None
        self.busy = Retired(replaced, in_flight, left)
        return in_flight

    def end_write(self) -> None:
        """After a persist or save: the turn of the next one called, else free; or, retired
        meanwhile, one write fewer for the next instance's recovery to wait for."""
        busy = self.busy
        if busy is True:
            waiting = self.waiting
            while waiting:
                waiter = waiting.popleft()
                if not waiter.done():
                    waiter.set_result(True)
                    return
                # Cancelled while it waited, its task not run yet: those after it are refused
                # (its kind, persist or save, is its task's to know: "write" is both).
                self._refuse_waiting("write", "was cancelled")
            self.busy = False
        elif isinstance(busy, Retired):
            self._retired_write_ended(busy)

    def end_reminder(self) -> None:
        """After a reminder write, whatever came of it."""
        busy = self.busy
        if isinstance(busy, Retired):
            self._retired_write_ended(busy)
        else:
            self.reminding -= 1

    def _retired_write_ended(self, retired: Retired) -> None:
        """The last write in flight at the retirement lets the next instance's recovery go
        on, and a stopped instance's entry go."""
        retired.left -= 1
        if retired.left:
            return
        # `retire` gives every Retired with writes left a future of their end.
        assert retired.in_flight is not None
        retired.in_flight.set_result(None)
        self.service.written(self)


def _named(what: str, seq: int | None) -> str:
    return what if seq is None else f"{what} {seq}"


def encode(value: object, what: str) -> bytes:
    """Bytes for the store, or a `TypeError` naming what could not be stored and why."""
    return encode_all((value,), what)[0]


def encode_all(values: tuple[object, ...], what: str) -> list[bytes]:
    """`encode` of each value, all before any is written: one call per persist."""
    try:
        if len(values) == 1:
            return [_payload.encode(values[0])]
        return list(map(_payload.encode, values))
    except TypeError as error:
        raise TypeError(f"{what} cannot be stored: {error}") from None
