"""Reminders: durable timers of a durable actor, kept in the store by (persistence id, key).

They are armed while their owner runs: on every start (after recovery, so those already due
fire first thing) they become timers of the actor on the system clock, which end with the
instance like its other timers. A due time is kept as a wall-clock time, so a reminder set
in one process falls due at the same moment in the next. Delivery is at least once: a
reminder that is due when its owner starts fires then, whether or not an earlier run of the
owner handled it, and only `cancel` ends it.
"""

from __future__ import annotations

import asyncio
import math
import reprlib
from typing import TYPE_CHECKING

from .._actor_timers import ReservedKey
from .._errors import PersistenceError
from .._guarded_timers import start_guarded
from .._persistence_id import plain, undeletable, unstorable
from .._seconds import FOREVER, MIN_INTERVAL, check_interval, check_seconds
from ._binding import encode
from ._service import cancel_requests, cancelled_since, guarded, read_back
from ._store import StoredReminder
from ._wall import Armed, to_next

if TYPE_CHECKING:
    from .._actor import Actor
    from ._binding import Binding


_MARK = object()
"""In every reminder's timer key, so that no key of the user's (a tuple, say) equals one."""


class _Key(tuple[object, str, str], ReservedKey):
    """A reminder's key among the actor's timers: no key of the user's can be equal to it,
    and `self.timers.cancel_all()` leaves it. A tuple, so that it is made, hashed and compared
    in C: arming a reminder hashes its keys about six times, and a dataclass's `__init__`
    and `__hash__` are Python calls, a sizeable part of a small durable actor's start."""

    __slots__ = ()

    def __repr__(self) -> str:
        return f"_Key(kind={self[1]!r}, key={self[2]!r})"


def _timer_keys(key: str) -> tuple[_Key, _Key]:
    """The reminder's own timer, and the one that delivers a periodic reminder found overdue."""
    return _Key((_MARK, "reminder", key)), _Key((_MARK, "overdue", key))


def _check_key(key: object, deleting: bool = False) -> str:
    """The stores' own rule, checked here: a store's `ValueError` would reach the handler as
    a `PersistenceError` (`guarded`), which a supervisor takes for an outage. `deleting`
    takes a key only another program can have stored (`undeletable`), so that cancel ends it."""
    if not isinstance(key, str) or not (key or deleting):
        raise ValueError(f"a reminder key must be a non-empty str, got {reprlib.repr(key)}")
    key = plain(key)  # checked as the text the store will keep
    problem = (undeletable if deleting else unstorable)("a reminder key", key)
    if problem is not None:
        raise ValueError(problem)
    return key


class Reminders:
    """`self.reminders` of a durable actor."""

    __slots__ = ("_actor", "_applied", "_binding", "_in_flight", "_tickets")

    def __init__(self, actor: Actor, binding: Binding) -> None:
        self._actor = actor
        self._binding = binding
        self._tickets = 0
        """Numbers the starts and cancels in the order they began (and so were stored)."""
        self._in_flight: dict[str, int] = {}
        """By key, its starts and cancels in flight."""
        self._applied: dict[str, int] = {}
        """By key, while some of them are in flight, the ticket of the last one whose outcome
        reached the timers: an earlier one's read-back (a write that failed or was cancelled)
        may have read the store before that one's commit, and must not undo it."""

    async def start(
        self, key: str, message: object, delay: float, every: float | None = None
    ) -> None:
        """Store the reminder (replacing one with the same key) and arm it: `message` comes
        after `delay` seconds, then every `every` seconds if given, until `cancel(key)`.

        `ActorStopped`, with nothing stored, once this instance was replaced by a restart or
        its actor stopped, as for `cancel`. One begun before is stored, and returns, though
        the instance is replaced or stopped before the store answers."""
        key = _check_key(key)
        delay = check_seconds(delay, "delay", zero_ok=True)
        if every is not None:
            every = check_interval(every, "every", "pass every=None for a reminder that fires once")
        payload = encode(message, "the reminder's message")
        binding = self._binding
        binding.begin_reminder(f"reminders.start({key!r})")
        ticket = self._begin(key)
        pid = binding.persistence_id
        reminder = StoredReminder(key, binding.service.wall_now() + delay, every, payload)
        try:
            await guarded(
                binding.store.put_reminder(pid, reminder), f"storing reminder {key!r} of {pid!r}"
            )
        except (PersistenceError, asyncio.CancelledError) as error:
            if isinstance(error, PersistenceError):
                binding.failed("reminder", error)
            # Perhaps stored all the same (a commit in doubt, a cancellation as it landed):
            # armed, as the store says, before the error goes on.
            requests = cancel_requests()
            stored = reminder in (await read_back(binding.store.reminders(pid)) or ())
            if stored and self._applies(key, ticket):
                _arm(self._actor, binding, reminder, message)
            if (cancelled := cancelled_since(requests)) is not None:
                raise cancelled from error
            raise
        else:
            if self._applies(key, ticket):
                _arm(self._actor, binding, reminder, message)
        finally:
            self._end(key)
            binding.end_reminder()

    async def cancel(self, key: str) -> bool:
        """End the reminder for good; whether there was one. `ActorStopped`, with nothing
        deleted, once this instance was replaced or stopped; one begun before deletes, and
        says whether there was one, though the instance is replaced or stopped meanwhile."""
        key = _check_key(key, deleting=True)
        binding = self._binding
        binding.begin_reminder(f"reminders.cancel({key!r})")
        ticket = self._begin(key)
        pid = binding.persistence_id
        try:
            found = await guarded(
                binding.store.delete_reminder(pid, key), f"cancelling reminder {key!r} of {pid!r}"
            )
        except (PersistenceError, asyncio.CancelledError) as error:
            if isinstance(error, PersistenceError):
                binding.failed("reminder", error)
            # Perhaps deleted all the same: disarmed, as the store says, before it goes on.
            requests = cancel_requests()
            stored = await read_back(binding.store.reminders(pid))
            gone = stored is not None and all(r.key != key for r in stored)
            if gone and self._applies(key, ticket):
                self._disarm(key)
            if (cancelled := cancelled_since(requests)) is not None:
                raise cancelled from error
            raise
        else:
            if self._applies(key, ticket):
                self._disarm(key)
            return found
        finally:
            self._end(key)
            binding.end_reminder()

    def _begin(self, key: str) -> int:
        self._tickets += 1
        self._in_flight[key] = self._in_flight.get(key, 0) + 1
        return self._tickets

    def _end(self, key: str) -> None:
        left = self._in_flight.pop(key) - 1
        if left:
            self._in_flight[key] = left
        else:  # any later one has a higher ticket: nothing left to compare with
            self._applied.pop(key, None)

    def _applies(self, key: str, ticket: int) -> bool:
        """Whether the outcome of start or cancel `ticket` is to reach the timers: only on an
        instance whose timers carry its reminders, and not once a later start or cancel of
        the key applied its own (stored after it, that one is what the store holds)."""
        if not self._armed_here() or self._applied.get(key, 0) > ticket:
            return False
        self._applied[key] = ticket
        return True

    def _armed_here(self) -> bool:
        """Whether this instance's timers carry its reminders. Not once it was replaced or
        its actor stopped: the next instance's recovery waited for this write, and arms what
        the store holds after it. A closed actor's instance is always retired (its close
        releases its persistence id at once, `Persistence.release`), so this covers it."""
        return not self._binding.retired

    def _disarm(self, key: str) -> None:
        self._binding.armed.pop(key, None)
        timers = self._actor.timers
        for timer_key in _timer_keys(key):
            timers.cancel(timer_key)


def arm_all(actor: Actor, binding: Binding, stored: list[StoredReminder]) -> None:
    """Arms the reminders its recovery read. One no timer can take (a row another program or
    an older version wrote) fails the recovery naming it, as one that does not decode does:
    the timers' own error names neither the reminder nor its owner."""
    for reminder in stored:
        problem = _unarmable(reminder)
        if problem is not None:
            pid, key = binding.persistence_id, reminder.key
            raise PersistenceError(
                f"reminder {key!r} of {pid!r} cannot be armed: {problem} (written by another "
                "program, or by an older version): delete it with await "
                f"store.delete_reminder({pid!r}, {key!r}), or put it again in range with "
                "store.put_reminder"
            )
        message = binding.decode(reminder.payload, f"reminder {reminder.key!r}")
        _arm(actor, binding, reminder, message)


def _unarmable(reminder: StoredReminder) -> str | None:
    """Why a stored reminder's period, or with one its due time, no timer takes; a due time
    past the longest timer is only not armed in this run (`_arm`)."""
    every = reminder.every
    if every is None:
        return None
    if not MIN_INTERVAL <= every < FOREVER:  # NaN too
        return f"its period {every!r} is not seconds from {MIN_INTERVAL:g} to below {FOREVER:.0e}"
    if not -math.inf < reminder.due:  # its grid has no points
        return f"its due time {reminder.due!r} is not a finite time"
    return None


def _arm(actor: Actor, binding: Binding, reminder: StoredReminder, message: object) -> None:
    """Its timers set for its wall-clock due time, and kept to it (`_wall`)."""
    keys = own, overdue = _timer_keys(reminder.key)
    timers = actor.timers
    timers.cancel(overdue)
    wall = binding.service.wall_now()
    delay = reminder.due - wall
    if delay >= FOREVER:  # past the longest timer: not in this run; a later start arms it
        timers.cancel(own)
        binding.armed.pop(reminder.key, None)
        return
    every = reminder.every
    armed = Armed(actor, binding, keys, (reminder.key, reminder.due, every), message)
    if every is None:
        start_guarded(timers, own, message, max(0.0, delay), None, armed.tick)
    elif delay >= 0:
        start_guarded(timers, own, message, delay, every, armed.tick)
    else:  # due while its owner was away: once now, then on its own grid
        timers.start_once(overdue, message, 0.0)
        first = to_next(reminder.due, delay, every)
        armed.next = wall + first
        start_guarded(timers, own, message, first, every, armed.tick)
    binding.armed[reminder.key] = armed
    binding.service.wall_watch.watch(binding)
