"""API.md §3: strategies (typed as `actorkit.Strategy` where any of them goes), deciders, Backoff,
Supervisor/ChildSpec, death watch, escalation."""

from __future__ import annotations

from collections.abc import Callable, Mapping

import actorkit
from actorkit import (
    Actor,
    ActorRef,
    ActorSystem,
    Backoff,
    ChildSpec,
    Directive,
    OneForAll,
    OneForOne,
    RestForOne,
    Strategy,
    Supervisor,
    SupervisorGaveUp,
    SystemFailed,
    Terminated,
)


class Database(Actor):
    def __init__(self, url: str = "sqlite://") -> None:
        self.url = url

    async def receive(self, message: object) -> object:
        if message == "crash":
            raise ValueError("boom")
        return self.url


class Cache(Actor):
    async def receive(self, message: object) -> object:
        if isinstance(message, KeyError):
            raise message
        return None


def decide(error: BaseException) -> Directive | None:
    if isinstance(error, ValueError):
        return "resume"
    if isinstance(error, KeyError):
        return "stop"
    return None  # the default: restart


DECIDER: Mapping[type[BaseException], Directive] = {ValueError: "resume", KeyError: "stop"}
CALLABLE: Callable[[BaseException], Directive | None] = decide


def strategy_for(children_depend_on_each_other: bool) -> Strategy:
    """Whichever strategy a configuration picks, for `supervisor=`, `strategy=` or a class's
    `supervisor_strategy`."""
    if children_depend_on_each_other:
        return RestForOne(max_restarts=5, within=10.0)
    return OneForOne()


def limits(strategy: Strategy) -> tuple[int, float]:
    return strategy.max_restarts, strategy.within


class Parent(Actor):
    supervisor_strategy = OneForOne(decider={ValueError: "resume", KeyError: "stop"})

    async def on_start(self) -> None:
        await self.spawn(Database, name="db")


class Configured(Actor):
    supervisor_strategy: Strategy | None = strategy_for(True)


class ByFunction(Actor):
    supervisor_strategy = RestForOne(5, 10.0, Backoff(0.5, 30.0, 0.1), decider=decide)

    async def on_start(self) -> None:
        await self.spawn(Cache)


class Watcher(Actor):
    def __init__(self, watched: ActorRef) -> None:
        self.watched = watched
        self.reasons: list[BaseException | None] = []

    async def on_start(self) -> None:
        self.watch(self.watched)

    async def receive(self, message: object) -> object:
        match message:
            case Terminated(ref=gone, reason=None):
                self.reasons.append(None)
                return gone.path
            case Terminated(ref=gone, reason=reason):
                self.reasons.append(reason)
                return gone.name
            case _:
                return None


async def main() -> None:
    strategies: list[Strategy] = [
        OneForOne(),
        OneForAll(max_restarts=3, within=5.0, backoff=Backoff(min=0.1, max=10.0, jitter=0.2)),
        RestForOne(decider=DECIDER, shutdown=5.0),
        OneForOne(decider=CALLABLE, shutdown=None),
        OneForOne(decider=lambda error: "escalate" if isinstance(error, OSError) else None),
    ]
    root: actorkit.Strategy = OneForOne(max_restarts=10, within=1.0)
    async with ActorSystem("tree", supervisor=root) as system:
        tree = await system.spawn(
            Supervisor,
            [
                ChildSpec(Database, name="db"),
                ChildSpec(Database, "postgres://", name="db2", restart="permanent"),
                ChildSpec(Cache, name="cache", restart="transient", mailbox_size=None),
                ChildSpec(Cache, name="agent", capabilities=["cache"], mailbox_size=10),
            ],
            OneForAll(max_restarts=3, within=5.0, backoff=Backoff(min=0.1, max=10.0)),
            name="storage",
        )
        await system.spawn(
            Supervisor, children=[ChildSpec(Cache)], strategy=strategies[2], name="keyword"
        )
        for strategy in strategies:
            await system.spawn(Supervisor, [ChildSpec(Database, url="x")], strategy)
        await system.spawn(Parent, name="parent")
        await system.spawn(ByFunction)
        await system.spawn(Configured)
        await system.spawn_pool(Database, size=2, supervisor=strategy_for(False))
        print(limits(root), [limits(strategy) for strategy in strategies])
        db = system.lookup("/storage/db")
        assert db is not None
        watcher = await system.spawn(Watcher, db)
        db.tell("crash")
        print(tree, watcher)
        backoff = Backoff()
        delay: float = backoff.delay(3)
        print(delay, root.max_restarts, root.within, root.backoff, root.decider, root.shutdown)


async def escalation() -> None:
    try:
        async with ActorSystem("fails", supervisor=OneForOne(max_restarts=0)) as system:
            await system.spawn(Database)
    except SystemFailed as failed:
        cause: BaseException | None = failed.__cause__
        if isinstance(cause, SupervisorGaveUp):
            print(cause.__cause__)


if __name__ == "__main__":
    actorkit.run(main())
