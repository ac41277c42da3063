"""The `/metrics` body, written by prometheus_client's own writers a part per loop turn.

Its writers (`generate_latest`, the OpenMetrics one) write a whole registry in one call:
some 64 lines per actor class, half a millisecond a class, so a process with thousands of
classes would stop its actors for seconds at each scrape. Here each family is written
alone, `SAMPLE_SLICE` samples at a time: every part after a family's first loses the
family's header (what the writer gives for the family with no samples), and every part the
writer's end (what it gives for no family, `# EOF` in OpenMetrics). Each sample's line
depends on that sample alone, so the parts joined are the text of one call.
"""

from __future__ import annotations

import asyncio
import copy
from collections.abc import Callable, Iterable, Mapping, Sequence

from prometheus_client.core import Metric
from prometheus_client.exposition import choose_encoder
from prometheus_client.registry import Collector
from prometheus_client.samples import Sample

from ._metric_filter import Exposed

SAMPLE_SLICE = 256
"""Samples written per loop turn: about 1.7 ms (6.5 µs a sample on a 2-core machine)."""

_MOVED = ("_created", "_gsum", "_gcount")
"""Samples that the Prometheus text writer moves after the family's others, under a header
of their own: a family with one is written whole, in one turn."""

Writer = Callable[[Collector], bytes]


class _Families(Collector):
    """What a writer reads: some families, as a registry gives them."""

    def __init__(self, *families: Metric) -> None:
        self._families = families

    def collect(self) -> Iterable[Metric]:
        return self._families


async def written(
    exposed: Exposed, accept: str, params: Mapping[str, Sequence[str]], part: int
) -> tuple[list[bytes], str]:
    """The body, in pieces of about `part` bytes, and its content type, as
    `make_aiohttp_handler` gives them for `accept` and the query `params`. The families are
    read in the caller's turn: a collector that gathered its figures over the turns before
    (`SystemCollector.gather`) gives them now. Never joined whole: copying tens of megabytes
    would be a turn of its own, longer than a part."""
    writer, content_type = choose_encoder(accept)
    registry = exposed.restricted_registry(params["name[]"]) if "name[]" in params else exposed
    families = list(registry.collect())
    families.reverse()
    end = writer(_Families())
    body = _Body(part)
    while families:
        await asyncio.sleep(0)
        family = families.pop()  # let go of once written: freed a family at a time
        for piece in await _parts(writer, family, end):
            body.add(piece)
    body.add(end)
    return body.done(), content_type


class _Body:
    """Pieces joined into parts of at least `part` bytes: a write each, not one per family."""

    def __init__(self, part: int) -> None:
        self._part = part
        self._parts: list[bytes] = []
        self._pending: list[bytes] = []
        self._size = 0

    def add(self, piece: bytes) -> None:
        self._pending.append(piece)
        self._size += len(piece)
        if self._size >= self._part:
            self._parts.append(b"".join(self._pending))
            self._pending, self._size = [], 0

    def done(self) -> list[bytes]:
        return [*self._parts, b"".join(self._pending)]


async def _parts(writer: Writer, family: Metric, end: bytes) -> list[bytes]:
    samples = family.samples
    if len(samples) <= SAMPLE_SLICE:
        return [_cut(writer(_Families(family)), b"", end)]
    moved = {family.name + suffix for suffix in _MOVED}
    header = _cut(writer(_Families(_with(family, []))), b"", end)
    pieces = []
    for start in range(0, len(samples), SAMPLE_SLICE):
        if start:
            await asyncio.sleep(0)
        part = samples[start : start + SAMPLE_SLICE]
        if any(sample.name in moved for sample in part):  # rare: written whole after all
            return [_cut(writer(_Families(family)), b"", end)]
        text = _cut(writer(_Families(_with(family, part))), b"", end)
        pieces.append(text if not start else _cut(text, header, b""))
    return pieces


def _with(family: Metric, samples: list[Sample]) -> Metric:
    part = copy.copy(family)
    part.samples = samples
    return part


def _cut(text: bytes, head: bytes, tail: bytes) -> bytes:
    """`text` without `head` and `tail`, which every part written has (its header, the
    writer's end): anything else would mean the parts do not join into the whole text."""
    if not (text.startswith(head) and text.endswith(tail)):
        raise ValueError("a metrics writer wrote a family part unlike the whole")
    return text[len(head) : len(text) - len(tail)]
