"""Timer callbacks that hold their owner weakly (`called_weakly`): uvloop keeps an armed
timer, and what it calls, alive by itself, which would keep a loop dropped without `close()`,
its system and actors, for good (the watchdog's heartbeat, the metrics' lag probe). The
method is looked up by name on the owner at each call, so one replaced on the instance (as
tests replace the watchdog's heartbeat) is the one called."""

from __future__ import annotations

import weakref
from typing import Any


def called_weakly(owner: weakref.ref[Any], method: str, *args: Any) -> None:
    """`owner().method(*args)`, unless the owner was collected meanwhile."""
    held = owner()
    if held is not None:
        getattr(held, method)(*args)
