"""Random supervision trees, the actors that make them up, and the trees' spec as hypothesis
draws it: the runtime side of `test_properties_supervision_tree` (its OTP reference model
is `supervision_tree_model`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from hypothesis import strategies as st

from actorkit import (
    Actor,
    ActorRef,
    Backoff,
    ChildSpec,
    OneForAll,
    OneForOne,
    RestForOne,
    Supervisor,
    SupervisorGaveUp,
    Terminated,
)

from .properties_support import Boom

Journal = list[tuple[str, str]]
"""("start" | "stop", path) of every instance's `on_start` / `on_stop`, in the order they ran."""
Reason = Any
"""An exit reason as the model writes it: None (normal), "Boom", or ("GaveUp", cause)."""

RESTART_TYPES = ("permanent", "transient", "temporary")
STRATEGIES: dict[str, type[OneForOne] | type[OneForAll] | type[RestForOne]] = {
    "one_for_one": OneForOne,
    "one_for_all": OneForAll,
    "rest_for_one": RestForOne,
}
BACKOFF_MAX_FACTOR = 4
"""A backoff's max is this many times its min: a few doublings fit under it."""


@dataclass(frozen=True)
class SupNode:
    strategy: str
    max_restarts: int
    within: float
    backoff: float | None
    """The backoff's min (no jitter, so its delays are exact), or None for no backoff."""
    children: tuple[Node, ...]

    def build(self) -> OneForOne | OneForAll | RestForOne:
        backoff = None
        if self.backoff is not None:
            backoff = Backoff(min=self.backoff, max=self.backoff * BACKOFF_MAX_FACTOR, jitter=0.0)
        return STRATEGIES[self.strategy](self.max_restarts, self.within, backoff)


@dataclass(frozen=True)
class Node:
    name: str
    restart: str
    loud: bool = True
    """A leaf with `on_start` / `on_stop` (journalled); a quiet one has neither, so it takes
    the runtime's hookless fast paths. Supervisors are always loud."""
    sup: SupNode | None = None


def sup_nodes(depth: int, max_depth: int) -> st.SearchStrategy[SupNode]:
    """A supervisor at `depth` (the top is 1) with 1-4 children; supervisors nest down to
    `max_depth - 1`, so leaves sit at most at `max_depth`."""
    child = st.builds(
        lambda restart, loud: (restart, loud), st.sampled_from(RESTART_TYPES), st.booleans()
    )
    nested = st.none() if depth + 1 >= max_depth else st.none() | sup_nodes(depth + 1, max_depth)
    children = st.lists(st.tuples(child, nested), min_size=1, max_size=4).map(
        lambda drawn: tuple(
            Node(f"c{index}", restart, loud or sup is not None, sup)
            for index, ((restart, loud), sup) in enumerate(drawn)
        )
    )
    return st.builds(
        SupNode,
        strategy=st.sampled_from(sorted(STRATEGIES)),
        max_restarts=st.integers(0, 3),
        within=st.sampled_from([1.0, 2.0]),
        backoff=st.none() | st.just(0.5),
        children=children,
    )


class QuietLeaf(Actor):
    async def receive(self, message: Any) -> Any:
        if message == "crash":
            raise Boom(f"{self.path} crashed")
        if message == "stop":
            self.stop()
        return None


class Leaf(QuietLeaf):
    def __init__(self, journal: Journal) -> None:
        self.journal = journal

    async def on_start(self) -> None:
        self.journal.append(("start", self.path))

    async def on_stop(self) -> None:
        self.journal.append(("stop", self.path))


class TreeSupervisor(Supervisor):
    """A `Supervisor` whose children are `node`'s, journalling its own start and stop."""

    def __init__(self, journal: Journal, node: SupNode) -> None:
        super().__init__([spec_of(journal, child) for child in node.children], node.build())
        self.journal = journal

    async def on_start(self) -> None:
        self.journal.append(("start", self.path))
        await super().on_start()

    async def on_stop(self) -> None:
        self.journal.append(("stop", self.path))


def spec_of(journal: Journal, node: Node) -> ChildSpec:
    if node.sup is not None:
        return ChildSpec(TreeSupervisor, journal, node.sup, name=node.name, restart=node.restart)
    if node.loud:
        return ChildSpec(Leaf, journal, name=node.name, restart=node.restart)
    return ChildSpec(QuietLeaf, name=node.name, restart=node.restart)


class Watcher(Actor):
    """Watches and unwatches what it is asked to, and keeps the `Terminated` it receives."""

    def __init__(self) -> None:
        self.heard: list[Terminated] = []

    async def receive(self, message: Any) -> Any:
        if isinstance(message, Terminated):
            assert not message.ref.is_alive, f"{message} arrived before the stop"
            self.heard.append(message)
            return None
        if message == "take":
            heard, self.heard = self.heard, []
            return heard
        verb, ref = message
        if verb == "watch":
            self.watch(ref)
        else:
            self.unwatch(ref)
        return None


def reason_of(error: BaseException | None) -> Reason:
    """An exit reason in the model's terms: the cause chain of a give-up included."""
    if error is None:
        return None
    if isinstance(error, SupervisorGaveUp):
        return ("GaveUp", reason_of(error.__cause__))
    if isinstance(error, Boom):
        return "Boom"
    return repr(error)  # no reason the model knows: the comparison shows it


def known(refs: dict[int, ActorRef], ref: ActorRef) -> int:
    for cell_id, seen in refs.items():
        if seen == ref:
            return cell_id
    raise AssertionError(f"a Terminated of {ref}, an actor the test never watched")
