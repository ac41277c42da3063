"""A supervisor's restart history: OTP's intensity, and the restarts its backoff still delays.

Those delayed restarts (`_restart_steps.StartPlan`) are indexed by the child each will start
(`holding`): a later restart that takes children over, or the stop of a child, touches the
plans of those children only: a storm of n `one_for_one` restarts under a backoff costs n,
where a scan of every waiting plan by each restart and each stop would cost n².
"""

from __future__ import annotations

from collections import deque
from collections.abc import Collection
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ._cell import Cell
    from ._restart_steps import StartPlan
    from ._supervision import _Strategy


class Intensity:
    """OTP's restart intensity: at most `max_restarts` restarts in any `within`-second window.
    A supervisor's restart history, so it also holds the restarts a backoff still delays:
    a later restart of the same children takes them over (`_supervise`)."""

    __slots__ = ("_times", "delayed", "holding", "parked")

    def __init__(self) -> None:
        self._times: deque[float] = deque()
        self.delayed: dict[StartPlan, None] = {}
        """The plans not yet run: waiting out a backoff, or held back behind a failed start;
        a set with the O(1) removal of the one that runs, where a list's would cost n."""
        self.holding: dict[Cell, StartPlan] = {}
        """The plan of `delayed` that will start each child, one at most: a later restart
        takes each child of its own out of the plan that held it."""
        self.parked: list[StartPlan] = []
        """Plans that came due while the supervisor was suspended (`StartPlan`)."""

    def wait(self, plan: StartPlan) -> None:
        """`plan` waits to run: its children are its until it runs or a restart takes them.
        Their earlier plans let go of them first (`withdraw`), so none is held twice."""
        self.delayed[plan] = None
        holding = self.holding
        for child in plan.plan:
            if not child.closed:  # a closed one never starts, nor leaves (`left`) again
                holding[child] = plan

    def run(self, plan: StartPlan) -> None:
        """`plan` runs now: it is no longer there for a later restart to take children from."""
        if plan in self.delayed:
            del self.delayed[plan]
            self._let_go(plan)

    def unpark(self, supervisor: Cell) -> None:
        """The supervisor resumes: the plans held while it was suspended run now."""
        for plan in self.parked:
            supervisor.post(plan)
        self.parked.clear()

    def drop_delayed(self) -> None:
        """Its supervisor stops or restarts: the restarts its backoff still delays will not
        run, so their clock timers go now rather than hold the supervisor (and a stopped
        system) until they fire, and a `ManualClock` no longer counts them pending."""
        for plan in self.delayed:
            if plan.timer is not None:
                plan.timer.cancel()
        self.delayed.clear()
        self.holding.clear()
        self.parked.clear()

    def withdraw(self, children: Collection[Cell]) -> None:
        """`children` start with a later restart: the restarts a backoff still delays leave
        them out, and one left with nobody to start goes now (`_drop`). Only the plans that
        held them are copied, each once: one for a `one_for_one` restart, whatever else
        waits. They are open (a restart's plan leaves the closed out), so none lies before a
        plan's `open_from`."""
        holding = self.holding
        touched: dict[StartPlan, None] = {}
        for child in children:
            plan = holding.pop(child, None)
            if plan is not None:
                touched[plan] = None
        if not touched:
            return
        taken = set(children)  # a restart's plan is a list: looked up once per child
        for plan in touched:
            plan.plan = [child for child in plan.plan if child not in taken]
            if not plan.starts_anyone():
                self._drop(plan)

    def left(self, child: Cell) -> None:
        """`child` stopped for good. It stays in the plan that waited to start it, which
        skips closed children: taking it out would copy the plan at every close, n² for a
        stop of n children waiting out one restart. A plan left with nobody to start goes."""
        plan = self.holding.pop(child, None)
        if plan is not None and not plan.starts_anyone():
            self._drop(plan)

    def _drop(self, plan: StartPlan) -> None:
        """A plan with nobody left to start goes now, its clock timer with it, rather than
        stay armed to start nobody."""
        del self.delayed[plan]
        self._let_go(plan)
        if plan.timer is not None:
            plan.timer.cancel()

    def _let_go(self, plan: StartPlan) -> None:
        holding = self.holding
        for child in plan.plan:
            if holding.get(child) is plan:
                del holding[child]

    def allow(self, strategy: _Strategy, now: float) -> bool:
        times = self._times
        while times and now - times[0] > strategy.within:  # OTP: one `within` ago still counts
            times.popleft()
        if len(times) >= strategy.max_restarts:
            return False
        times.append(now)
        return True
