"""Reminders kept to the wall clock, though their timers run on the loop's monotonic clock.

A reminder is due at a wall-clock time, and its timer is set on the loop's clock for the
delay the wall clock gave at arming. The two part when the host's time is set (an NTP step,
an admin) or a suspended machine resumes (Linux's monotonic clock stands still meanwhile):
the timer would fire early, or late, by the whole step, for as long as its owner runs. So:

- each fire of a reminder's timer reads the wall clock first (`Armed.tick`): one not due
  yet is moved to its wall-clock due time and fires nothing, so a backward step never fires
  a reminder early;
- one check per system (`WallWatch`), every `CHECK_PERIOD` while it has reminders armed,
  compares the two clocks and, once they parted by more than `SLACK` since its last look,
  moves every armed reminder's timer to its wall-clock due time: a forward step (or a
  resume) that passed a due time fires that reminder within a period.

Moving keeps the timer itself (`Timers.move`), so ticks it queued stay queued: a step never
costs a delivery. A periodic reminder notes the next point of its grid it has not fired
for (`Armed.next`), so one whose points a step passed fires once for all of them, as at a
start, and none fires twice for one point.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from .._guarded_timers import move, start_guarded
from .._seconds import FOREVER

if TYPE_CHECKING:
    from .._actor import Actor
    from .._actor_timers import ReservedKey
    from .._clock import Cancellable
    from ._binding import Binding
    from ._service import Persistence

CHECK_PERIOD = 1.0
"""Seconds between two looks at the clocks, and so the bound on how late a step makes a
reminder, beyond its timer's own lateness. A look reads two clocks and compares: one a
second costs a system microseconds a second; a suspended host that resumes catches up
within a second of running, and no reminder is meant to be finer than that (Orleans'
shortest reminder period is a minute)."""

SLACK = 0.001
"""Seconds the clocks may part by before the timers move: above the microseconds between
two reads of them, below the system clock's resolution (5 ms), by which a timer may be late
anyway."""


class Armed:
    """A reminder armed on its owner's timers, with the wall-clock time of its next fire."""

    __slots__ = ("actor", "binding", "due", "every", "key", "message", "next", "overdue", "own")

    def __init__(
        self,
        actor: Actor,
        binding: Binding,
        keys: tuple[ReservedKey, ReservedKey],
        reminder: tuple[str, float, float | None],
        message: object,
    ) -> None:
        self.actor = actor
        self.binding = binding
        self.own, self.overdue = keys
        self.key, self.due, self.every = reminder
        self.message = message
        self.next = self.due
        """Wall-clock time of the next fire: the due time, or the first point of a periodic
        reminder's grid not fired for yet."""

    def tick(self) -> bool:
        """Its timer fired: deliver if the wall clock says it is due, else wait on."""
        wall = self.binding.service.wall_now()
        if self.next - wall > SLACK:  # the wall clock stepped back since it was set
            self._place(self.next - wall)
            return False
        if self.every is None:
            self.forget()
        else:
            self.next = after(self.due, self.every, max(wall, self.next))
        return True

    def replace(self, wall: float) -> None:
        """The clocks parted: fire at the wall-clock `next` on the loop's clock as it reads now.
        A periodic reminder whose points a forward step passed fires once for them now."""
        delay = self.next - wall
        if self.every is not None and delay <= 0:
            self.actor.timers.start_once(self.overdue, self.message, 0.0)
            self.next = after(self.due, self.every, wall)
            delay = self.next - wall
        if delay >= FOREVER:
            self._unarm()
        elif not move(self.actor.timers, self.own, max(0.0, delay)):
            self.forget()  # it fired, or ended with its instance

    def _place(self, delay: float) -> None:
        timers = self.actor.timers
        if delay >= FOREVER:
            self._unarm()
        elif self.every is not None:
            move(timers, self.own, delay)
        else:  # fired, so ended: the same timer again, later
            start_guarded(timers, self.own, self.message, delay, None, self.tick)

    def _unarm(self) -> None:
        """Now due past the longest timer, as one stored so is at a start: not in this run
        (a later start arms it)."""
        self.actor.timers.cancel(self.own)
        self.forget()

    def forget(self) -> None:
        armed = self.binding.armed
        if armed.get(self.key) is self:
            del armed[self.key]


class WallWatch:
    """A system's check of its wall clock against its loop's, while reminders are armed.
    A clock without a wall clock of its own (`ManualClock`) has nothing to check."""

    __slots__ = ("_closed", "_offset", "_service", "_timer", "_watched")

    def __init__(self, service: Persistence) -> None:
        self._service = service
        self._watched: dict[Binding, None] = {}
        """The instances with reminders armed (`Binding.armed`), in the order they armed."""
        self._timer: Cancellable | None = None
        self._offset = 0.0
        """Wall-clock time minus loop time when the timers were last set to it."""
        self._closed = False

    def watch(self, binding: Binding) -> None:
        clock = self._service.runtime.clock
        if self._closed or not hasattr(clock, "wall_time"):
            return
        self._watched[binding] = None
        if self._timer is None:
            self._offset = self._service.wall_now() - clock.now()
            self._timer = clock.call_at(clock.now() + CHECK_PERIOD, self._check)

    def _check(self) -> None:
        self._timer = None
        watched = self._watched
        for binding in [b for b in watched if b.retired or not b.armed]:
            del watched[binding]
        if not watched:
            return
        clock = self._service.runtime.clock
        wall = self._service.wall_now()
        now = clock.now()
        if abs(wall - now - self._offset) > SLACK:
            self._offset = wall - now
            for binding in watched:
                for armed in list(binding.armed.values()):
                    armed.replace(wall)
        self._timer = clock.call_at(now + CHECK_PERIOD, self._check)

    def close(self) -> None:
        """The system shut down: nothing stays set on its clock."""
        self._closed = True
        self._watched.clear()
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None


def to_next(due: float, delay: float, every: float) -> float:
    """Seconds to the first point of the grid `due + n * every` after now, `delay` (<= 0)
    seconds past `due`. The points are sums rounded to floats, so now can sit a few ulps
    short of the one it lands on (a `ManualClock` advanced by whole periods): that point
    is the one the overdue fire stood for, and the next is a period on, not an ulp on."""
    rest = delay % every
    on_grid = max(every * 1e-9, 8 * math.ulp(abs(due) + abs(delay)))
    return every if rest <= on_grid else rest


def after(due: float, every: float, wall: float) -> float:
    """The first point of the grid `due + n * every` after `wall` (`to_next`)."""
    return wall + to_next(due, due - wall, every)
