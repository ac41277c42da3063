"""A small reference model of OTP supervision, as docs/api.md states it for actorkit: what a
supervision tree should look like after each step of `test_properties_supervision_tree`.

Every step is settled before the next (a `ManualClock` moves time), so the model carries each
event through to the end at once: a failure is decided on (restart, stop or give-up, by
restart type and intensity), a restart stops the affected children in reverse start order
and starts them again in start order (after a backoff delay, as a timer), a give-up stops
the supervisor's children and fails it towards its own supervisor. Where OTP keeps the spec
of a child that stopped for good, actorkit removes the child (its name is free again), as
its docs say, and the model follows the docs."""

from __future__ import annotations

import heapq
import itertools

from .supervision_tree_support import BACKOFF_MAX_FACTOR, Journal, Node, Reason, SupNode

NOT_STARTED = float("inf")
"""`restarted_at` of a child whose restart is decided and not yet made (`_start_plan`)."""


class Cell:
    """One actor as the model sees it: a ref's life, across its restarts."""

    def __init__(self, cell_id: int, node: Node, parent: Cell | None, path: str) -> None:
        self.id = cell_id
        self.node = node
        self.parent = parent
        self.path = path
        self.children: list[Cell] = []
        self.alive = True
        self.waiting = False
        """Its instance stopped for a restart that a backoff delays."""
        self.restarts = 0
        self.failures = 0
        self.reason: Reason = None
        self.watchers: list[int] = []
        self.restart_times: list[float] = []
        self.delayed: list[Plan] = []
        self.consecutive = 0
        self.restarted_at = 0.0

    def __repr__(self) -> str:
        return f"Cell({self.path}, {self.node.restart})"

    @property
    def sup(self) -> SupNode:
        assert self.node.sup is not None, f"{self.path} is no supervisor"
        return self.node.sup

    @property
    def running_leaf(self) -> bool:
        return self.alive and not self.waiting and self.node.sup is None


class Plan:
    """Children a backoff-delayed restart starts, in start order (a later restart of some
    of them takes them over)."""

    def __init__(self, cells: list[Cell]) -> None:
        self.cells = cells


class TreeModel:
    def __init__(self, top: Node, root: SupNode, watchers: int) -> None:
        self.now = 0.0
        self.journal: Journal = []
        self.cells: list[Cell] = []
        self.heard: list[list[tuple[int, Reason]]] = [[] for _ in range(watchers)]
        self.timers: list[tuple[float, int, Cell, Plan]] = []
        self._seq = itertools.count()
        self.root = Cell(-1, Node("", "permanent", sup=root), None, "")
        self.system_failure: Reason = None
        self.top = self._spawn(self.root, top)

    # --- steps ----------------------------------------------------------------------------
    def crash(self, cell: Cell) -> None:
        cell.failures += 1
        self._failed(cell, "Boom")

    def self_stop(self, cell: Cell) -> None:
        """A normal exit: only a `permanent` child goes to its supervisor's decision."""
        if cell.node.restart == "permanent":
            self._failed(cell, None)
        else:
            self._close(cell, None)

    def stop(self, cell: Cell) -> None:
        self._close(cell, None)

    def advance(self, seconds: float) -> None:
        target = self.now + seconds
        while self.timers and self.timers[0][0] <= target:
            due, _, parent, plan = heapq.heappop(self.timers)
            self.now = due
            if any(waiting is plan for waiting in parent.delayed):
                self._start_plan(parent, plan)
        self.now = target

    def watch(self, watcher: int, cell: Cell) -> None:
        if not cell.alive:
            self.heard[watcher].append((cell.id, cell.reason))
        elif watcher not in cell.watchers:
            cell.watchers.append(watcher)

    def unwatch(self, watcher: int, cell: Cell) -> None:
        if watcher in cell.watchers:
            cell.watchers.remove(watcher)

    def shutdown(self) -> None:
        """The system stops its top-level actors, each its children first, in reverse start
        order; one waiting out a backoff is stopped as it is."""
        self._close(self.top, None)

    def live(self) -> list[Cell]:
        return [cell for cell in self.cells if cell.alive]

    # --- supervision ----------------------------------------------------------------------
    def _failed(self, child: Cell, error: Reason) -> None:
        """`child`'s supervisor decides on its failure (`error`) or normal exit (None)."""
        parent = child.parent
        assert parent is not None
        restart = child.node.restart
        if restart == "temporary" or (restart == "transient" and error is None):
            self._close(child, error)
        elif not self._allow(parent):
            self._give_up(parent, child, error)
        else:
            self._restart(parent, child)

    def _allow(self, parent: Cell) -> bool:
        """OTP intensity: a restart made exactly `within` ago still counts."""
        sup = parent.sup
        times = [at for at in parent.restart_times if self.now - at <= sup.within]
        parent.restart_times = times
        if len(times) >= sup.max_restarts:
            return False
        times.append(self.now)
        return True

    def _give_up(self, parent: Cell, child: Cell, error: Reason) -> None:
        self._close(child, error)
        self._stop_children(parent)
        gave_up = ("GaveUp", error)
        if parent.parent is None:
            self.system_failure = gave_up
            return
        parent.failures += 1
        self._failed(parent, gave_up)

    def _restart(self, parent: Cell, child: Cell) -> None:
        sup = parent.sup
        siblings = parent.children
        if sup.strategy == "one_for_all":
            plan = list(siblings)
        elif sup.strategy == "rest_for_one":
            plan = siblings[siblings.index(child) :]
        else:
            plan = [child]
        for sibling in reversed(plan):
            if sibling is not child and sibling.node.restart == "temporary":
                self._close(sibling, None)
            else:
                self._stop_instance(sibling)
        plan = [sibling for sibling in plan if sibling.alive]
        delay = 0.0
        if sup.backoff is not None:
            if self.now - child.restarted_at > sup.within:
                child.consecutive = 0
            child.consecutive += 1
            delay = min(
                sup.backoff * BACKOFF_MAX_FACTOR, sup.backoff * 2 ** (child.consecutive - 1)
            )
        child.restarted_at = NOT_STARTED  # the plan that starts it sets the time
        for waiting in parent.delayed:
            waiting.cells = [cell for cell in waiting.cells if cell not in plan]
        start = Plan(plan)
        if delay > 0:
            parent.delayed.append(start)
            heapq.heappush(self.timers, (self.now + delay, next(self._seq), parent, start))
        else:
            self._start_plan(parent, start)

    def _start_plan(self, parent: Cell, plan: Plan) -> None:
        parent.delayed = [waiting for waiting in parent.delayed if waiting is not plan]
        for cell in plan.cells:
            if cell.alive:
                if cell.restarted_at == NOT_STARTED:
                    cell.restarted_at = self.now
                cell.restarts += 1
                self._start(cell)

    # --- lifecycle ------------------------------------------------------------------------
    def _spawn(self, parent: Cell, node: Node) -> Cell:
        cell = Cell(len(self.cells), node, parent, f"{parent.path}/{node.name}")
        self.cells.append(cell)
        parent.children.append(cell)
        self._start(cell)
        return cell

    def _start(self, cell: Cell) -> None:
        cell.waiting = False
        if cell.node.loud:
            self.journal.append(("start", cell.path))
        if cell.node.sup is not None:
            for node in cell.node.sup.children:
                self._spawn(cell, node)

    def _stop_children(self, cell: Cell) -> None:
        """Children before their parent, in reverse start order (OTP)."""
        for child in reversed(cell.children):
            self._close(child, None)

    def _end_instance(self, cell: Cell) -> None:
        if cell.waiting:
            return  # its instance, children and delayed restarts went when it began waiting
        self._stop_children(cell)
        if cell.node.loud:
            self.journal.append(("stop", cell.path))
        cell.restart_times = []  # a restarted supervisor starts with a clean slate
        cell.delayed = []

    def _stop_instance(self, cell: Cell) -> None:
        """The first half of a restart: the cell (its ref) stays."""
        self._end_instance(cell)
        cell.waiting = True

    def _close(self, cell: Cell, reason: Reason) -> None:
        """A stop for good: its watchers hear of it once, after its children's stops."""
        if not cell.alive:
            return
        self._end_instance(cell)
        cell.alive = False
        cell.waiting = False
        cell.reason = reason
        assert cell.parent is not None
        cell.parent.children.remove(cell)
        for watcher in cell.watchers:
            self.heard[watcher].append((cell.id, reason))
        cell.watchers = []
