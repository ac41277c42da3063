"""`EarlyClock`: a manual clock whose timers fire before their time, as a real loop's may."""

from __future__ import annotations

from collections.abc import Callable

from actorkit._manual_entries import Entry
from actorkit.testing import ManualClock


class EarlyClock(ManualClock):
    """Fires a timer set more than `early` seconds ahead `early` seconds before its time, as
    read on `now()`. A real loop does this on a smaller scale: asyncio runs what falls due
    within its clock resolution, and uvloop rounds a delay to whole milliseconds, so a timer
    can run half a millisecond before `loop.time()` reaches it. A timer set closer than
    `early` fires on time, so one armed again for the time it fired early for does not."""

    def __init__(self, early: float) -> None:
        super().__init__()
        self.early = early

    def call_at(self, when: float, callback: Callable[[], object]) -> Entry:
        if when - self.early > self.now():
            when -= self.early
        return super().call_at(when, callback)
