"""What every `actorkit_*` builder reads, gathered once per scrape: the per-class counters
grouped by class name, and the figures of the live actors (how many, in which state, their
processed messages and mailboxes), which no counter keeps: they change with every message.

Reading them is a walk over every live actor. `serve_http` folds them `SLICE` actors per loop
turn (`gather`), so that a scrape of 200,000 actors does not hold the loop for the whole walk;
another reader of the registry (`generate_latest`) folds them all at once (`whole`). Over
turns the figures stay those a one-step walk would give (docs/observability.md):

- the actors walked are those live when the scrape began; one started since counts from the
  next scrape, one stopped since counts in no gauge;
- `actorkit_messages_processed` adds each walked actor's count, read when it is walked (the
  final one of an actor stopped since), to the retired counts read when the scrape began,
  which hold exactly the actors stopped before it: each actor counts once, at a count no
  lower than the previous scrape's, so the counter never goes back (a fall would read as a
  counter reset in Prometheus);
- the gauges add up values read at different turns, a few milliseconds apart.

The families are then built and written from it `CLASS_SLICE` classes per loop turn
(`parts`), each part's text following the family's earlier parts: the counters of a class
are read in one turn, when its part is built, each once, so a family's figures are those of
a one-step build.
"""

from __future__ import annotations

import asyncio
import copy
from bisect import bisect_left
from collections import defaultdict
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from typing import TYPE_CHECKING, Any

from ._room import UNBOUNDED
from ._state import RUNNING, STOPPING
from ._stats import Histogram

if TYPE_CHECKING:
    from prometheus_client.core import Metric

    from ._cell import Cell
    from ._metric_text import FamilyText, Text
    from ._metrics import Metrics
    from ._router import Router
    from ._runtime import Runtime
    from ._watchdog import Watchdog

SLICE = 8192
"""Live actors folded per loop turn: about 3 ms at 0.35 µs an actor (benchmarks/http_tree.py)."""

CLASS_SLICE = 4
"""Classes whose families are built and written per loop turn: about 64 samples a class,
256 a part, 2 ms (0.5 ms a class on a 2-core machine). Few enough that a part's largest
family (a histogram's, 24 samples and as many label dicts a class) stays under the 700
allocations that set off a collection of the garbage collector's youngest generation: the
samples die young instead of being moved to older ones, whose collections they would set
off in turn."""


class Scrape:
    """The figures of one scrape. Made by `whole` or `gather`, which fold the live actors."""

    def __init__(
        self, runtime: Runtime, router: Router, watchdog: Watchdog, metrics: Metrics
    ) -> None:
        self.runtime = runtime
        self.router = router
        self.watchdog = watchdog
        self.metrics = metrics
        self.by_name = {class_stats.name: class_stats for class_stats in metrics.classes()}
        self.names = sorted(self.by_name)
        self.live = runtime.cells()
        """The actors live now; the same step reads their classes' retired counts."""
        self.retired = {name: stats.processed_retired for name, stats in self.by_name.items()}
        self.alive: dict[tuple[str, str], int] = defaultdict(int)
        self.processed_live: dict[str, int] = defaultdict(int)
        self.depth_sum: dict[str, int] = defaultdict(int)
        self.depth_max: dict[str, int] = defaultdict(int)
        self.fill_max: dict[str, float] = {}
        """The fullest bounded mailbox of each class with one: queued / capacity."""
        self._sorted: dict[str, list[Any]] = {}
        """Each `run` sorted once per scrape, shared by its parts."""
        self.low: str | None = None
        self.high: str | None = None
        """The class names a part holds: from `low` on, below `high` (`None`: no end)."""

    @classmethod
    def whole(
        cls, runtime: Runtime, router: Router, watchdog: Watchdog, metrics: Metrics
    ) -> Scrape:
        scrape = cls(runtime, router, watchdog, metrics)
        scrape.fold(scrape.live)
        scrape.live = []
        return scrape

    @classmethod
    async def gather(
        cls, runtime: Runtime, router: Router, watchdog: Watchdog, metrics: Metrics
    ) -> Scrape:
        scrape = cls(runtime, router, watchdog, metrics)
        live = scrape.live
        scrape.live = []
        for start in range(0, len(live), SLICE):
            await asyncio.sleep(0)  # the first too: copying the live list is a turn's work
            scrape.fold(live[start : start + SLICE])
        return scrape

    @property
    def last(self) -> bool:
        return self.high is None

    def within(self, name: str) -> bool:
        """Whether this part holds `name`, a class's or any other label sorted with them."""
        return (self.low is None or self.low <= name) and (self.high is None or name < self.high)

    def run(
        self, key: str, items: dict[Any, Any], name: Callable[[Any], str]
    ) -> list[tuple[Any, Any]]:
        """The items of `items`, sorted by key, whose `name` of the key this part holds: the
        whole sorted once per scrape, under `key` (a sort per part would make the parts'
        total grow with the square of the classes)."""
        ordered: list[tuple[Any, Any]] | None = self._sorted.get(key)
        if ordered is None:
            ordered = self._sorted[key] = sorted(items.items())
        named = _named(name)
        start = 0 if self.low is None else bisect_left(ordered, self.low, key=named)
        end = len(ordered) if self.high is None else bisect_left(ordered, self.high, key=named)
        return ordered[start:end]

    def parts(self, size: int) -> Iterator[Scrape]:
        """This scrape as `size` classes at a time, in name order: the same figures, each
        part's `names` a run of the sorted names, and its range also holding any other
        label sorted between them (`within`)."""
        names = self.names
        for start in range(0, max(len(names), 1), size):
            part = copy.copy(self)
            part.names = names[start : start + size]
            part.low = names[start] if start else None
            part.high = names[start + size] if start + size < len(names) else None
            yield part

    async def build(
        self,
        builders: Sequence[Callable[[Scrape], Iterable[Metric]]],
        per_class: Collection[Callable[[Scrape], Iterable[Metric]]],
        text: Text,
    ) -> list[Metric]:
        """The families of `builders`, in their order, as `text` writes them: each of
        `per_class` `CLASS_SLICE` classes per loop turn, its parts' lines following in name
        order, the others once, with the first part; the text a one-step build gives. A
        part's families are built and written one at a time, each let go of before the
        next is built: few samples are alive at once (`_metric_text`)."""
        family_texts: list[list[FamilyText]] = []
        for part in self.parts(CLASS_SLICE):
            await asyncio.sleep(0)
            for index, builder in enumerate(builders):
                if index == len(family_texts):
                    family_texts.append([])
                elif builder not in per_class:
                    continue
                texts = family_texts[index]
                first = not texts
                count = 0
                for family in builder(part if builder in per_class else self):
                    if first:
                        texts.append(text.family(family.name))
                    elif count == len(texts) or texts[count].name != family.name:
                        raise ValueError(f"{builder} built other families for another part")
                    texts[count].add(family)
                    count += 1
                if count != len(texts):
                    raise ValueError(f"{builder} built other families for another part")
        return [
            written
            for texts in family_texts
            for family_text in texts
            if (written := family_text.written()) is not None
        ]

    def fold(self, cells: Iterable[Cell]) -> None:
        """Add `cells`, live when the scrape began, to the figures."""
        alive = self.alive
        processed = self.processed_live
        depth_sum = self.depth_sum
        depth_max = self.depth_max
        fill_max = self.fill_max
        for cell in cells:
            stats = cell.stats
            assert stats is not None, "a live actor was built, with metrics on"
            name = stats.name
            mailbox = cell.mailbox
            processed[name] += mailbox.processed
            if cell.closed:  # stopped since the scrape began: its count is in, it is gone
                continue
            state = cell.state  # `shown_state`, written out: a call per actor per scrape
            if state is RUNNING and cell.draining:
                state = STOPPING
            alive[(name, state)] += 1
            depth = len(mailbox)
            if depth:
                depth_sum[name] += depth
                if depth > depth_max[name]:
                    depth_max[name] = depth
            if (depth or name not in fill_max) and mailbox.capacity != UNBOUNDED:
                fill = depth / mailbox.capacity
                if fill > fill_max.get(name, -1.0):
                    fill_max[name] = fill

    def total(self, name: str, attr: str) -> int:
        """One `ClassStats` counter of the classes named `name` (they share one)."""
        count: int = getattr(self.by_name[name], attr)
        return count

    def histogram(self, name: str, attr: str) -> Histogram:
        histogram: Histogram = getattr(self.by_name[name], attr)
        return histogram


def _named(name: Callable[[Any], str]) -> Callable[[tuple[Any, Any]], str]:
    return lambda item: name(item[0])
