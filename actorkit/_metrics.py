"""Prometheus metrics: the runtime's plain counters, turned into metric families at scrape time.

Each system registers one collector, in its own `CollectorRegistry` or in the one passed as
`ActorSystem(registry=...)` (`system.metrics.registry`); nothing goes to prometheus_client's
global registry. Labels are the actor class (`actor_type`), never a path: 100,000 unnamed
actors make no more series than one. Rare events (spawn, stop, failure, restart, give-up)
arrive as an instrument; per-message work only touches integers on the cell and its class's
`ClassStats`.

prometheus_client is imported when a system with metrics starts (or when the registry is
first read), never by `import actorkit`: the families are built in `_metric_families`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable
from types import MethodType
from typing import TYPE_CHECKING
from weakref import WeakKeyDictionary, ref

from ._hook_checks import is_async
from ._instruments import Instrument
from ._shown import given
from ._stats import LAG_BUCKETS, LAG_INTERVAL, ClassStats, Histogram
from ._weakly import called_weakly

if TYPE_CHECKING:
    from prometheus_client import CollectorRegistry
    from prometheus_client.core import Metric

    from ._cell import Cell
    from ._metric_families import SystemCollector
    from ._metric_text import Text
    from ._router import Router
    from ._runtime import Runtime
    from ._watchdog import Watchdog

_holders: WeakKeyDictionary[CollectorRegistry, ref[Metrics]] = WeakKeyDictionary()
"""The system whose collector each registry passed in holds. Both weakly: the registry holds
the collector, which holds the `Metrics` (and its registry) while it is registered."""


class Metrics(Instrument):
    """The metrics of one system. With `ActorSystem(metrics=False)` it still exists (so code
    can read `system.metrics.enabled`) but counts nothing and registers no collector."""

    def __init__(
        self, runtime: Runtime, enabled: bool, registry: CollectorRegistry | None = None
    ) -> None:
        self.enabled = enabled
        self._registry = _check_registry(registry)
        self._shared = registry is not None
        self._collector: SystemCollector | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._runtime = runtime
        self._by_class: dict[str, ClassStats] = {}
        """By class name, the `actor_type` label: classes that share a name share their
        figures, and nothing here keeps a class alive (a program that makes classes at run
        time, one per plugin or request, would otherwise keep every one of them)."""
        self.root_gave_up: int = 0
        """Give-ups of the system's own supervisor: the root has no class of its own to count
        them (`escalations`, `ROOT_TYPE`)."""
        self.loop_lag: Histogram = Histogram(LAG_BUCKETS)
        self._probe: asyncio.TimerHandle | None = None
        self.sources: list[Callable[[], Iterable[Metric]]] = []
        if enabled:
            runtime.instruments.add(self)

    @property
    def registry(self) -> CollectorRegistry:
        """The registry the system's collector lives in; a private one unless one was passed."""
        if self._registry is None:
            from prometheus_client import CollectorRegistry

            self._registry = CollectorRegistry(auto_describe=False)
        return self._registry

    def add_source(self, source: Callable[[], Iterable[Metric]]) -> None:
        """Let a layer (tasks, transports) contribute families without the core knowing it.
        A source that is no callable is refused here: at a scrape it would only be logged.
        One added already (the same callable, or the same method of the same object) is
        not added again, so that an actor's `on_start` may add one at each restart; its
        families would be a scrape's second copy, which the exposition format forbids."""
        _check_source(source, "add_source")
        if is_async(source):
            raise TypeError(
                f"add_source needs a plain function, got the async {given(source)}: a scrape "
                "calls its sources on the loop and cannot await them; read figures that "
                "your actors or tasks keep up to date"
            )
        if not any(_same(source, added) for added in self.sources):
            self.sources.append(source)

    def remove_source(self, source: Callable[[], Iterable[Metric]]) -> None:
        """Stop calling `source` at scrapes (an actor's `on_stop` removing what its `on_start`
        added): the scrape no longer holds it, nor what it holds. `ValueError` for one never
        added, as `CollectorRegistry.unregister` refuses a collector it does not hold."""
        _check_source(source, "remove_source")
        for at, added in enumerate(self.sources):
            if _same(source, added):
                del self.sources[at]
                return
        raise ValueError(
            f"remove_source was given {given(source)}, which is not a source of these "
            "metrics: pass what was given to add_source (a method of the same object will do)"
        )

    def stats_for(self, cls: type) -> ClassStats | None:
        if not self.enabled:
            return None
        name = cls.__name__
        stats = self._by_class.get(name)
        if stats is None:
            stats = self._by_class[name] = ClassStats(name)
        return stats

    def classes(self) -> list[ClassStats]:
        return list(self._by_class.values())

    async def gather(self, text: Text) -> None:
        """Walk the live actors, build the families and call the sources for the registry's
        next read, a slice per loop turn, writing them as they come (`text`): what
        `serve_http` does before it reads the registry (`_metric_scrape`, `_metric_text`)."""
        if self._collector is not None:
            await self._collector.gather(text)

    def forget_gathered(self) -> None:
        """Drop what `gather` made if the read it was for did not take it: a later read
        must not show figures that old."""
        if self._collector is not None:
            self._collector.forget()

    # --- attach and detach ----------------------------------------------------------------
    def start(self, loop: asyncio.AbstractEventLoop, router: Router, watchdog: Watchdog) -> None:
        """Register the collector, then probe the loop's lag. Raises `ValueError` before
        anything runs if the registry already holds another system's families."""
        if not self.enabled:
            return
        from ._metric_families import SystemCollector

        collector = SystemCollector(self._runtime, router, watchdog, self)
        holder = _holders.get(self.registry) if self._shared else None
        held = None if holder is None else holder()
        if held is not None:
            held.release_if_abandoned()
        try:
            self.registry.register(collector)
        except ValueError as error:
            raise ValueError(
                f"the registry passed to ActorSystem({self._runtime.name!r}) already holds "
                "actorkit_* metrics, most likely of another running system; pass each system "
                "its own CollectorRegistry (their families would collide)"
            ) from error
        self._collector = collector
        self._loop = loop
        if self._shared:
            _holders[self.registry] = ref(self)
        self._schedule(loop)

    def stop(self) -> None:
        """Stop probing. A registry passed in is the user's: leave it as it was found, so it
        can serve the next system. A private one keeps the final figures readable."""
        if self._probe is not None:
            self._probe.cancel()
            self._probe = None
        self._let_go()

    def release_if_abandoned(self) -> None:
        """A system whose loop closed under it (`asyncio.run` ended with no `shutdown`) can
        never run or shut down again, so its collector would hold the registry for good. A
        loop that is only not running may run its system again, which keeps the registry."""
        if self._loop is not None and self._loop.is_closed():
            self._let_go()

    def _let_go(self) -> None:
        if self._shared and self._collector is not None:
            self.registry.unregister(self._collector)
            self._collector = None
            del _holders[self.registry]

    def _schedule(self, loop: asyncio.AbstractEventLoop) -> None:
        due = loop.time() + LAG_INTERVAL
        self._probe = loop.call_at(due, called_weakly, ref(self), "_measure", loop, due)

    def _measure(self, loop: asyncio.AbstractEventLoop, due: float) -> None:
        lag = max(0.0, loop.time() - due)
        self.loop_lag.observe(lag)
        self._schedule(loop)

    # --- instrument events (rare) -------------------------------------------------------
    def failed(self, cell: Cell, error: BaseException) -> None:
        stats = cell.stats
        if stats is not None:
            name = type(error).__name__
            stats.failures[name] = stats.failures.get(name, 0) + 1

    def restarted(self, cell: Cell) -> None:
        if cell.stats is not None:
            cell.stats.restarts += 1

    def gave_up(self, cell: Cell) -> None:
        if cell.stats is not None:
            cell.stats.gave_up += 1
        elif cell.parent is None:
            self.root_gave_up += 1


def _check_registry(registry: object) -> CollectorRegistry | None:
    if registry is None:
        return None
    from prometheus_client import CollectorRegistry

    if not isinstance(registry, CollectorRegistry):
        raise TypeError(
            "registry must be a prometheus_client.CollectorRegistry (or None for the "
            f"system's own), got {type(registry).__name__}"
        )
    return registry


def _check_source(source: object, call: str) -> None:
    if not callable(source):
        raise TypeError(
            f"{call} needs a callable returning metric families (called at each scrape), "
            f"got {given(source)}"
        )


def _same(one: object, other: object) -> bool:
    """The same source: the same object, or the same function bound to the same object (each
    read of `self.method` makes a new bound method). By identity: a user's `__eq__` is not
    called, nor trusted."""
    if one is other:
        return True
    return (
        type(one) is MethodType
        and type(other) is MethodType
        and one.__self__ is other.__self__
        and one.__func__ is other.__func__
    )
