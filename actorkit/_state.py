"""An actor's lifecycle states. A `StrEnum`, so introspection (`/actors`, metrics labels,
`agents()`) shows the plain names. The transitions themselves are `Cell` methods, one each,
so there is one place where a state is written.

    STARTING ─▶ RUNNING ─▶ SUSPENDED ─▶ RUNNING            (resume)
                   │            └─────▶ RESTARTING ─▶ RUNNING (restart)
                   └──────────▶ STOPPING ─▶ STOPPED         (from any state)
"""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ._record import HotRecord


class State(StrEnum):
    __hash__ = str.__hash__  # Enum's is written in Python; states are hashed per actor per scrape
    STARTING = "starting"
    RUNNING = "running"
    SUSPENDED = "suspended"  # failed; waiting for the parent's decision
    RESTARTING = "restarting"  # instance stopped; waiting to be started again
    STOPPING = "stopping"
    STOPPED = "stopped"


# The members as module globals: reading a member off an Enum class goes through a
# Python-level descriptor (190 ns on 3.11), a global costs 13 ns. The receive loop compares
# against RUNNING on every wake-up, and spawn and stop write a state several times per actor.
# Every state written is one of these members, so the runtime compares them with `is`: a
# StrEnum's `==` is the generic comparison of a str subclass, where `is` is one test.
STARTING = State.STARTING
RUNNING = State.RUNNING
SUSPENDED = State.SUSPENDED
RESTARTING = State.RESTARTING
STOPPING = State.STOPPING
STOPPED = State.STOPPED

ENDING = frozenset({State.STOPPING, State.STOPPED})
"""States in which an actor takes no new work and starts nothing."""


def shown_state(cell: HotRecord) -> State:
    """The state the views show (`/actors`, `testing.snapshot`, the `actorkit_actors` gauge):
    an actor draining its mailbox in a draining stop (a shutdown's, a pool shrink's leaver's)
    has begun its stop, so it is `stopping`, as `agents()` shows it `stopped`, though the
    runtime keeps it `RUNNING` while it handles what it holds."""
    state = cell.state
    return STOPPING if state is RUNNING and cell.draining else state
