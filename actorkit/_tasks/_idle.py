"""Idle agents, grouped by capability set, for a new task to pick from.

The mirror of `PendingTasks`: a new task goes to an idle agent that can serve it, and scanning
every agent per task would make submit O(agents). Idle agents are kept per capability set,
and each requirement set caches the capability sets that can serve it, grouped by size.

Neither the cache nor a take may cost in proportion to the number of sets, which can run to
thousands (an agent per tenant, each with a capability of its own, all sharing another):

- a cached entry is made from the sets that hold the rarest of its required capabilities
  (`_holding`), not from all of them;
- the cache keeps two generations, like `Compatible`: an entry unused for a whole turn goes,
  so that churn through many requirement sets leaves it bounded while the sets in use stay;
- where several sets of one size fit (`{"a"}` against every `{"a", "b<i>"}`), their queues'
  heads are kept in a heap by the tick they idled at (`Tie`), so the one idle longest is
  found without looking at every queue.
"""

from __future__ import annotations

import heapq
from itertools import groupby
from typing import TYPE_CHECKING

from ._compatible import SETS_CACHED, rarest

if TYPE_CHECKING:
    from collections.abc import Collection

    from ._agents import Agent


class Tie:
    """Capability sets of one size that all fit a requirement set, and a heap of
    `(tick, member)` with an entry for each non-empty queue among them (`queued`).

    An entry's tick is at most that of its queue's head: a queue's head only ever gives way
    to one that idled later, so an entry goes stale by being too early, never too late, and
    is put right when it surfaces. A queue that fills from empty is pushed at once (`woke`)."""

    __slots__ = ("heap", "members", "queued")

    def __init__(self, members: tuple[frozenset[str], ...], heads: list[int | None]) -> None:
        self.members = members
        self.queued = [head is not None for head in heads]
        self.heap = [(head, i) for i, head in enumerate(heads) if head is not None]
        heapq.heapify(self.heap)

    def woke(self, member: int, tick: int) -> None:
        if not self.queued[member]:
            self.queued[member] = True
            heapq.heappush(self.heap, (tick, member))


Tier = frozenset[str] | Tie
"""The sets of one size that fit: the one set itself, or several as a `Tie`."""


class IdleAgents:
    """Idle agents per capability set, and how many live agents each set has."""

    __slots__ = ("_fits", "_holding", "_idle", "_old", "_sets", "_ticks", "_ties", "entries")

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
        # Capability -> the live sets that have it.
        self._holding: dict[str, dict[frozenset[str], None]] = {}
        # Per requirement set, the capability sets that can serve it by size, smallest first,
        # so a task goes to the least capable idle agent that fits and specialists stay free:
        # those used this turn and those used in the last.
        self._fits: dict[frozenset[str], list[Tier]] = {}
        self._old: dict[frozenset[str], list[Tier]] = {}
        # Capability set -> the ties it is in, with its place in each.
        self._ties: dict[frozenset[str], dict[Tie, int]] = {}

    @property
    def capability_sets(self) -> Collection[frozenset[str]]:
        """The capability sets of the live agents."""
        return self._sets

    @property
    def cached(self) -> int:
        """Requirement sets with an entry in the cache."""
        return len(self._fits) + len(self._old)

    def serves(self, requires: frozenset[str]) -> bool:
        """Whether some live agent (idle or not) has every capability in `requires`: looked
        up among the sets that hold the rarest of them, not in every set."""
        if not requires:
            return bool(self._sets)
        held = self._holding.get(rarest(requires, self._holding))
        return held is not None and any(requires <= c for c in held)

    def joined(self, capabilities: frozenset[str]) -> None:
        """A new agent with these capabilities is live (not yet idle)."""
        count = self._sets.get(capabilities, 0)
        if not count:
            self._idle[capabilities] = {}
            for capability in capabilities:
                self._holding.setdefault(capability, {})[capabilities] = None
            self._forget()
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
            return
        del self._sets[capabilities]
        del self._idle[capabilities]
        for capability in capabilities:
            holding = self._holding[capability]
            del holding[capabilities]
            if not holding:
                del self._holding[capability]
        self._forget()

    def add(self, agent: Agent) -> None:
        """The agent is ready and no pending task fits it: it waits, behind those idle longer.
        An entry of its own may be left from before it stopped being ready (a restart that no
        task came by): its idle time starts again now, so that entry goes to the back."""
        idle = self._idle[agent.capabilities]
        if agent in idle:
            del idle[agent]
        else:
            self.entries += 1
        self._ticks = tick = self._ticks + 1
        if not idle:
            ties = self._ties.get(agent.capabilities)
            if ties:
                for tie, member in ties.items():
                    tie.woke(member, tick)
        idle[agent] = tick

    def take(self, requires: frozenset[str]) -> Agent | None:
        """Remove and return a ready agent that can serve `requires`, or None if none: of
        the fewest capabilities, and among those the one idle longest."""
        fits = self._fits.get(requires)
        if fits is None:
            fits = self._find(requires)
        for tier in fits:
            if type(tier) is Tie:
                found = self._longest_idle(tier)
                if found is not None:
                    return found
                continue
            idle = self._idle[tier]  # type: ignore[index]  # not a Tie: a set
            while idle:
                agent = next(iter(idle))
                del idle[agent]
                self.entries -= 1
                if agent.ready:
                    return agent
        return None

    def _longest_idle(self, tie: Tie) -> Agent | None:
        """Of the heads of the tie's queues (ready ones: the others are dropped as met),
        remove and return the one that idled first."""
        heap, members, queues = tie.heap, tie.members, self._idle
        while heap:
            tick, member = heap[0]
            idle = queues[members[member]]
            while idle:
                agent, head = next(iter(idle.items()))
                if agent.ready:
                    break
                del idle[agent]
                self.entries -= 1
            else:
                heapq.heappop(heap)
                tie.queued[member] = False
                continue
            if head != tick:  # stale: the queue's head idled later than its entry says
                heapq.heapreplace(heap, (head, member))
                continue
            del idle[agent]
            self.entries -= 1
            if idle:
                heapq.heapreplace(heap, (next(iter(idle.values())), member))
            else:
                heapq.heappop(heap)
                tie.queued[member] = False
            return agent
        return None

    def _find(self, requires: frozenset[str]) -> list[Tier]:
        """The entry of a requirement set not used this turn: kept from the last, or made."""
        fits = self._old.pop(requires, None)
        if len(self._fits) >= SETS_CACHED + 2 * len(self._sets):
            self._turn()
        if fits is None:
            fits = self._make(requires)
        self._fits[requires] = fits
        return fits

    def _make(self, requires: frozenset[str]) -> list[Tier]:
        if requires:
            holding = self._holding
            held = holding.get(rarest(requires, holding), ())
            found = list(held) if len(requires) == 1 else [c for c in held if requires <= c]
        else:
            found = list(self._sets)
        if len(found) <= 1:  # a capability of one agent's own, or of none
            return found  # type: ignore[return-value]  # a list of sets is a list of tiers
        tiers: list[Tier] = []
        for _, same_size in groupby(sorted(found, key=len), key=len):
            members = tuple(same_size)
            tiers.append(members[0] if len(members) == 1 else self._tie(members))
        return tiers

    def _tie(self, members: tuple[frozenset[str], ...]) -> Tie:
        heads = [next(iter(self._idle[c].values()), None) for c in members]
        tie = Tie(members, heads)
        ties = self._ties
        for member, capabilities in enumerate(members):
            ties.setdefault(capabilities, {})[tie] = member
        return tie

    def _turn(self) -> None:
        """Forget the entries unused for a whole turn, and their ties."""
        ties = self._ties
        for tiers in self._old.values():
            for tier in tiers:
                if type(tier) is Tie:
                    for capabilities in tier.members:
                        of_set = ties[capabilities]
                        del of_set[tier]
                        if not of_set:
                            del ties[capabilities]
        self._old, self._fits = self._fits, {}

    def _forget(self) -> None:
        """A set came or went: every entry may have changed."""
        self._fits.clear()
        self._old.clear()
        self._ties.clear()
