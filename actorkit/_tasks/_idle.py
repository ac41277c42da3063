"""Idle agents, grouped by capability set, for a new task to pick from.

The mirror of `PendingTasks`: a new task goes to an idle agent that can serve it, and scanning
every agent per task would make submit O(agents). Capability sets are few, so idle agents are
kept per set, and each requirement set caches the capability sets that can serve it.
"""

from __future__ import annotations

from itertools import groupby
from typing import TYPE_CHECKING

from ._index import SETS_CACHED

if TYPE_CHECKING:
    from collections.abc import Collection, Iterable

    from ._agents import Agent


class IdleAgents:
    """Idle agents per capability set, and how many live agents each set has."""

    __slots__ = ("_fits", "_idle", "_sets", "_ticks", "entries")

    def __init__(self) -> None:
        # Idle agents per capability set, longest idle first, each with the tick it idled at
        # (to compare heads of different sets). An entry may have stopped being ready since
        # (a failure, a restart): `take` drops those when it meets them.
        self._idle: dict[frozenset[str], dict[Agent, int]] = {}
        self._ticks = 0
        self.entries = 0
        """Idle entries across all sets: a burst of submits skips the search while none."""
        # Live agents per capability set; a set leaves when its last agent stops.
        self._sets: dict[frozenset[str], int] = {}
        # Per requirement set, the capability sets that can serve it, grouped by size,
        # smallest first, so a task goes to the least capable idle agent that fits and
        # specialists stay free. Mostly one set per group: then its head is the answer.
        self._fits: dict[frozenset[str], list[tuple[frozenset[str], ...]]] = {}

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
        """The agent is ready and no pending task fits it: it waits, behind those idle longer.
        An entry of its own may be left from before it stopped being ready (a restart that no
        task came by): its idle time starts again now, so that entry goes to the back."""
        idle = self._idle[agent.capabilities]
        if agent in idle:
            del idle[agent]
        else:
            self.entries += 1
        self._ticks += 1
        idle[agent] = self._ticks

    def take(self, requires: frozenset[str]) -> Agent | None:
        """Remove and return a ready agent that can serve `requires`, or None if none: of
        the fewest capabilities, and among those the one idle longest."""
        fits = self._fits.get(requires)
        if fits is None:
            if len(self._fits) >= SETS_CACHED:  # the sets of tasks long gone among them
                self._fits.clear()
            fits = self._fits[requires] = _by_size(c for c in self._sets if requires <= c)
        for sets in fits:
            if len(sets) > 1:
                found = self._longest_idle(sets)
                if found is not None:
                    return found
                continue
            idle = self._idle.get(sets[0])
            while idle:
                agent = next(iter(idle))
                del idle[agent]
                self.entries -= 1
                if agent.ready:
                    return agent
        return None

    def _longest_idle(self, sets: tuple[frozenset[str], ...]) -> Agent | None:
        """Of the heads of these sets' queues (ready ones: the others are dropped), remove
        and return the one that idled first."""
        best: Agent | None = None
        best_tick = 0
        best_idle: dict[Agent, int] = {}
        for capabilities in sets:
            idle = self._idle[capabilities]
            while idle:
                agent, tick = next(iter(idle.items()))
                if agent.ready:
                    if best is None or tick < best_tick:
                        best, best_tick, best_idle = agent, tick, idle
                    break
                del idle[agent]
                self.entries -= 1
        if best is not None:
            del best_idle[best]
            self.entries -= 1
        return best


def _by_size(sets: Iterable[frozenset[str]]) -> list[tuple[frozenset[str], ...]]:
    """The sets grouped by size, smallest first."""
    return [tuple(group) for _, group in groupby(sorted(sets, key=len), key=len)]
