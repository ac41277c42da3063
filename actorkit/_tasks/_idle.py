"""Idle agents, grouped by capability set, for a new task to pick from.

The mirror of `PendingTasks`: a new task goes to an idle agent that can serve it, and scanning
every agent per task would make submit O(agents). Capability sets are few, so idle agents are
kept per set, and each requirement set caches the capability sets that can serve it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Collection

    from ._agents import Agent


class IdleAgents:
    """Idle agents per capability set, and how many live agents each set has."""

    __slots__ = ("_fits", "_idle", "_sets", "entries")

    def __init__(self) -> None:
        # Idle agents per capability set, longest idle first. An entry may have stopped being
        # ready since (a failure, a restart): `take` drops those when it meets them.
        self._idle: dict[frozenset[str], dict[Agent, None]] = {}
        self.entries = 0
        """Idle entries across all sets: a burst of submits skips the search while none."""
        # Live agents per capability set; a set leaves when its last agent stops.
        self._sets: dict[frozenset[str], int] = {}
        # Per requirement set, the capability sets that can serve it, smallest first, so a
        # task goes to the least capable idle agent that fits and specialists stay free.
        self._fits: dict[frozenset[str], list[frozenset[str]]] = {}

    @property
    def capability_sets(self) -> Collection[frozenset[str]]:
        """The capability sets of the live agents."""
        return self._sets

    def joined(self, capabilities: frozenset[str]) -> None:
        """A new agent with these capabilities is live (not yet idle)."""
        count = self._sets.get(capabilities, 0)
        if not count:
            self._idle[capabilities] = {}
            self._fits.clear()
        self._sets[capabilities] = count + 1

    def left(self, agent: Agent) -> None:
        """The agent stopped: it is neither idle nor live any more."""
        capabilities = agent.capabilities
        idle = self._idle[capabilities]
        if agent in idle:
            del idle[agent]
            self.entries -= 1
        count = self._sets[capabilities] - 1
        if count:
            self._sets[capabilities] = count
        else:
            del self._sets[capabilities]
            del self._idle[capabilities]
            self._fits.clear()

    def add(self, agent: Agent) -> None:
        """The agent is ready and no pending task fits it: it waits, behind those idle longer."""
        idle = self._idle[agent.capabilities]
        if agent not in idle:
            idle[agent] = None
            self.entries += 1

    def take(self, requires: frozenset[str]) -> Agent | None:
        """Remove and return a ready agent that can serve `requires`, or None if none."""
        fits = self._fits.get(requires)
        if fits is None:
            fits = sorted((c for c in self._sets if requires <= c), key=len)
            self._fits[requires] = fits
        for capabilities in fits:
            idle = self._idle.get(capabilities)
            while idle:
                agent = next(iter(idle))
                del idle[agent]
                self.entries -= 1
                if agent.ready:
                    return agent
        return None
