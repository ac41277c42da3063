"""Random supervision trees under random crashes, exits, stops, clock steps and watches,
against a reference model of OTP supervision (`supervision_tree_model`): after every step
the same actors are alive at the same incarnation, the same instances started and stopped
in the same order, the same supervisors gave up, and each watcher heard of each stop once."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from hypothesis import Phase, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from actorkit import ActorRef, ActorSystem, OneForOne
from actorkit.testing import ManualClock, snapshot, snapshots

from .invariants import assert_invariants, live_tasks
from .supervision_tree_model import Cell, TreeModel
from .supervision_tree_support import (
    Journal,
    Node,
    SupNode,
    TreeSupervisor,
    Watcher,
    known,
    reason_of,
    sup_nodes,
)

WATCHERS = 2
MAX_DEPTH = 3
ROOT = SupNode("one_for_one", 10_000, 1.0, None, ())
"""The system's root strategy: it always restarts the top supervisor."""


class SupervisionTree(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.runner = asyncio.Runner()
        self.before = self.runner.run(_live_task_count())
        self.clock = ManualClock()
        strategy = OneForOne(ROOT.max_restarts, ROOT.within)
        system = ActorSystem("tree", supervisor=strategy, clock=self.clock, metrics=False)
        self.system = self.runner.run(system.start())
        self.journal: Journal = []
        self.watchers = [
            self.run(self.system.spawn(Watcher, name=f"w{i}")) for i in range(WATCHERS)
        ]
        self.refs: dict[int, ActorRef] = {}
        """The ref of every model cell the test has seen alive, by its id."""
        self.model: TreeModel | None = None

    def run(self, coro: Any) -> Any:
        return self.runner.run(coro)

    @property
    def tree(self) -> TreeModel:
        assert self.model is not None
        return self.model

    def settle(self) -> None:
        self.run(self.clock.settle())

    @initialize(top=sup_nodes(1, MAX_DEPTH))
    def spawn_tree(self, top: SupNode) -> None:
        self.run(self.system.spawn(TreeSupervisor, self.journal, top, name="top"))
        self.model = TreeModel(Node("top", "permanent", sup=top), ROOT, WATCHERS)

    def pick(self, data: st.DataObject, cells: list[Cell]) -> Cell:
        return data.draw(st.sampled_from(sorted(cells, key=lambda cell: cell.id)))

    def running_leaves(self) -> list[Cell]:
        return [cell for cell in self.tree.live() if cell.running_leaf]

    @precondition(lambda self: bool(self.running_leaves()))
    @rule(data=st.data())
    def crash(self, data: st.DataObject) -> None:
        cell = self.pick(data, self.running_leaves())
        self.refs[cell.id].tell("crash")
        self.settle()
        self.tree.crash(cell)

    @precondition(lambda self: bool(self.running_leaves()))
    @rule(data=st.data())
    def stop_itself(self, data: st.DataObject) -> None:
        cell = self.pick(data, self.running_leaves())
        self.refs[cell.id].tell("stop")
        self.settle()
        self.tree.self_stop(cell)

    def below_top(self) -> list[Cell]:
        return [cell for cell in self.tree.live() if cell is not self.tree.top]

    @precondition(lambda self: bool(self.below_top()))
    @rule(data=st.data())
    def stop_from_outside(self, data: st.DataObject) -> None:
        cell = self.pick(data, self.below_top())
        self.run(self.refs[cell.id].stop())
        self.settle()
        self.tree.stop(cell)

    @precondition(lambda self: self.model is not None)
    @rule(seconds=st.sampled_from([0.25, 0.5, 1.0]))
    def advance(self, seconds: float) -> None:
        self.run(self.clock.advance(seconds))
        self.tree.advance(seconds)

    def seen(self) -> list[Cell]:
        return [self.tree.cells[cell_id] for cell_id in self.refs]

    @precondition(lambda self: bool(self.refs))
    @rule(data=st.data(), watcher=st.integers(0, WATCHERS - 1), watch=st.booleans())
    def watch(self, data: st.DataObject, watcher: int, watch: bool) -> None:
        cell = self.pick(data, self.seen())
        verb = "watch" if watch else "unwatch"
        self.run(self.watchers[watcher].ask((verb, self.refs[cell.id]), timeout=5.0))
        self.settle()
        if watch:
            self.tree.watch(watcher, cell)
        else:
            self.tree.unwatch(watcher, cell)

    @invariant()
    def matches_the_model(self) -> None:
        if self.model is None:
            return
        tree = self.model
        assert self.system.failure is None and tree.system_failure is None
        assert self.journal == tree.journal, "instances started and stopped otherwise"
        self.journal.clear()
        tree.journal.clear()
        live = tree.live()
        for cell in live:
            self.check_cell(cell)
        paths = {actor.path for actor in snapshots(self.system)}
        watchers = {ref.path for ref in self.watchers}
        assert paths == {"/", *watchers, *(cell.path for cell in live)}
        for index, ref in enumerate(self.watchers):
            heard = self.run(ref.ask("take", timeout=5.0))
            got = [(known(self.refs, message.ref), reason_of(message.reason)) for message in heard]
            assert got == tree.heard[index], f"watcher {index} heard otherwise"
            tree.heard[index].clear()
        assert_invariants(self.system)

    def check_cell(self, cell: Cell) -> None:
        ref = self.system.lookup(cell.path)
        assert ref is not None, f"{cell.path} is not alive"
        seen = self.refs.get(cell.id)
        if seen is None:
            assert ref not in self.refs.values(), f"{cell.path} kept an old ref over a new start"
            self.refs[cell.id] = ref
        else:
            assert ref == seen, f"{cell.path} is a new actor, not a restart of the one it was"
        actor = snapshot(ref)
        expected = (
            "restarting" if cell.waiting else "running",
            cell.restarts,
            cell.failures,
            tuple(child.node.name for child in cell.children),
        )
        got = (actor.state, actor.restarts, actor.failures, actor.children)
        assert got == expected, f"{cell.path}: (state, restarts, failures, children)"

    def teardown(self) -> None:
        try:
            self.run(self.system.shutdown())
            assert self.system.failure is None
            if self.model is not None:
                self.model.shutdown()
                assert self.journal == self.model.journal, "the shutdown stopped them otherwise"
            assert_invariants(self.system)
            assert self.clock.pending == 0, "a delayed restart outlived the system"
            assert self.run(_live_task_count()) == self.before
        finally:
            self.runner.close()


async def _live_task_count() -> int:
    await asyncio.sleep(0)
    return len(live_tasks())


SupervisionTree.TestCase.settings = settings(
    max_examples=50,
    stateful_step_count=50,
    deadline=None,
    phases=[Phase.explicit, Phase.reuse, Phase.generate, Phase.shrink],  # no slow tracing
)
test_supervision_tree_matches_the_otp_model = pytest.mark.timeout(120)(SupervisionTree.TestCase)
