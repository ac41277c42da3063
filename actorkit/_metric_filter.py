"""`/metrics?name[]=...` over every family the unfiltered `/metrics` shows.

prometheus_client's own filter (`CollectorRegistry.restricted_registry`) asks only the
collectors that named a family when they were registered: the families a layer adds later
(the NATS link, the durable layer's, each `metrics.add_source`) and a collector registered
without `describe` were never in its answer. And it keeps samples by their own names, so a
histogram's family name (`actorkit_message_processing_seconds`, as the docs and dashboards
write it) matched none of its `_bucket`, `_sum` and `_count`.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING

from prometheus_client.core import Metric

if TYPE_CHECKING:
    from prometheus_client import CollectorRegistry


class Exposed:
    """What `/metrics` writes (`_metric_text`): the registry whole, or filtered by `name[]`."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self._registry = registry

    def collect(self) -> Iterable[Metric]:
        return self._registry.collect()

    def restricted_registry(self, names: Iterable[str]) -> Restricted:
        return Restricted(self._registry, names)


class Restricted:
    """The families read at this scrape, each whole if `names` holds its family name, else
    only its samples named in `names`: `name[]=actorkit_asks_total` keeps the samples,
    `name[]=actorkit_asks` the family as the OpenMetrics format names it."""

    def __init__(self, registry: CollectorRegistry, names: Iterable[str]) -> None:
        self._registry = registry
        self._names = frozenset(names)

    def collect(self) -> Iterator[Metric]:
        for family in self._registry.collect():
            kept = self.kept(family)
            if kept is not None:
                yield kept

    def kept(self, family: Metric) -> Metric | None:
        """What `collect` gives of `family`, or of a part of its samples (`_metric_text`)."""
        names = self._names
        if family.name in names:
            return family
        samples = [sample for sample in family.samples if sample.name in names]
        if not samples:
            return None
        kept = Metric(family.name, family.documentation, family.type, family.unit)
        kept.samples = samples
        return kept
