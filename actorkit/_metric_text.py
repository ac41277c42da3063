"""The `/metrics` body, written by prometheus_client's own writers a part per loop turn.

Its writers (`generate_latest`, the OpenMetrics one) write a whole registry in one call:
some 64 lines per actor class, half a millisecond a class, so a process with thousands of
classes would stop its actors for seconds at each scrape. Here each family is written
alone, a part of its samples at a time (`SAMPLE_SLICE`; the system's own, a part of the
classes, `CLASS_SLICE`): every part after a family's first loses the family's header (what
the writer gives for the family with no samples), and every part the writer's end (what it
gives for no family, `# EOF` in OpenMetrics). Each sample's line depends on that sample
alone, so the parts joined are the text of one call.

The system's families are written as they are built, a part of the classes at a time, and
each source's as soon as it was called (`SystemCollector.gather`); the registry then hands
them over as text (`Written`). prometheus_client's `Sample`s are tuples the garbage
collector tracks: a scrape's all alive at once (320,000 at 5,000 classes) set off full
collections of the process, 60-200 ms each, where a part's few hundred die young.
"""

from __future__ import annotations

import asyncio
import copy
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING

from prometheus_client.core import Metric
from prometheus_client.exposition import choose_encoder
from prometheus_client.registry import Collector
from prometheus_client.samples import Sample

from ._metric_filter import Exposed

if TYPE_CHECKING:
    from ._metrics import Metrics

SAMPLE_SLICE = 256
"""Samples written per loop turn: about 1.7 ms (6.5 µs a sample on a 2-core machine)."""

_MOVED = ("_created", "_gsum", "_gcount")
"""Samples that the Prometheus text writer moves after the family's others, under a header
of their own: a family with one is written whole, in one turn."""

Writer = Callable[[Collector], bytes]
Keep = Callable[[Metric], Metric | None]


class _Families(Collector):
    """What a writer reads: some families, as a registry gives them."""

    def __init__(self, *families: Metric) -> None:
        self._families = families

    def collect(self) -> Iterable[Metric]:
        return self._families


def _whole(family: Metric) -> Metric | None:
    return family


async def written(
    metrics: Metrics,
    exposed: Exposed,
    accept: str,
    params: Mapping[str, Sequence[str]],
    part: int,
) -> tuple[list[bytes], str]:
    """The body, in pieces of about `part` bytes, and its content type, as
    `make_aiohttp_handler` gives them for `accept` and the query `params`. The system's
    families are built and written over the turns before the registry is read
    (`Metrics.gather`), and read in the last of them. Never joined whole: copying tens of
    megabytes would be a turn of its own, longer than a part."""
    writer, content_type = choose_encoder(accept)
    keep = exposed.restricted_registry(params["name[]"]).kept if "name[]" in params else _whole
    text = Text(writer, keep)
    try:
        await metrics.gather(text)
        families = list(exposed.collect())
    finally:
        metrics.forget_gathered()
    families.reverse()
    body = _Body(part)
    while families:
        family = families.pop()  # let go of once written
        if isinstance(family, Written):
            pieces = family.pieces
        else:
            family_text = text.family(family.name)
            await family_text.add_sliced(family)
            pieces = family_text.pieces
        for piece in pieces:
            if body.add(piece):
                await asyncio.sleep(0)
    body.add(text.end)
    return body.done(), content_type


class Text:
    """How one scrape writes: its writer, its `name[]` filter (`keep`), and the samples
    written in this loop turn, so that families written one after another share turns."""

    def __init__(self, writer: Writer, keep: Keep) -> None:
        self.keep = keep
        self._writer = writer
        self.end: bytes = writer(_Families())
        self._spent = 0

    def family(self, name: str) -> FamilyText:
        return FamilyText(self, name)

    def write(self, family: Metric) -> bytes:
        """`family`'s text, without the writer's end."""
        return _cut(self._writer(_Families(family)), b"", self.end)

    async def fresh(self) -> None:
        """A loop turn of its own for what comes next (a source's call)."""
        await asyncio.sleep(0)
        self._spent = 0

    def spend(self, samples: int) -> None:
        """Count `samples` built in this turn as if written."""
        self._spent += samples

    async def room(self, samples: int) -> None:
        """Yield to the loop first if this turn cannot take `samples` more."""
        if self._spent and self._spent + samples > SAMPLE_SLICE:
            await asyncio.sleep(0)
            self._spent = 0
        self._spent += samples


class Written(Metric):
    """A family already written (`FamilyText`): `written` puts its text in its place."""

    name: str  # declared: prometheus_client's `Metric` leaves them to inference
    documentation: str
    type: str
    unit: str
    samples: list[Sample]

    def __init__(self, family: Metric, pieces: list[bytes]) -> None:  # already checked
        self.name, self.documentation = family.name, family.documentation
        self.type, self.unit, self.samples = family.type, family.unit, []
        self.pieces = pieces


class FamilyText:
    """The text of the family `name`, written a part of its samples at a time as they come:
    the header with the first part `keep` kept, then every part's lines."""

    def __init__(self, text: Text, name: str) -> None:
        self.name = name
        self._text = text
        self.pieces: list[bytes] = []
        self._family: Metric | None = None
        """The first part kept: what the header is written from."""
        self._header = b""
        self._whole = False

    def add(self, family: Metric) -> None:
        """Write `family`, this family's next part, in one step. A part with a sample the
        writer moves (`_MOVED`) is written only as the family's one part: its moved lines
        would come before the next part's others."""
        kept = self._text.keep(family)
        if kept is not None:
            self._add(kept, kept.samples)

    async def add_sliced(self, family: Metric) -> None:
        """`add`, `SAMPLE_SLICE` samples a loop turn: a family read whole, a source's."""
        text = self._text
        kept = text.keep(family)
        if kept is None:
            return
        samples = kept.samples
        if len(samples) <= SAMPLE_SLICE or self._moved(kept, samples):
            await text.room(len(samples))
            self._add(kept, samples)
            return
        for start in range(0, len(samples), SAMPLE_SLICE):
            part = samples[start : start + SAMPLE_SLICE]
            await text.room(len(part))
            self._add(_with(kept, part), part)

    def _add(self, kept: Metric, samples: list[Sample]) -> None:
        write = self._text.write
        moved = self._moved(kept, samples)
        if self._whole or (moved and self._family is not None):
            raise ValueError("a family whose lines the writer reorders came in parts")
        if self._family is None:
            self._family = kept
            if moved:  # rare: written in one step, after all
                self.pieces.append(write(kept))
                self._whole = True
                return
            self._header = write(_with(kept, []))
            self.pieces.append(self._header)
        self.pieces.append(_cut(write(kept), self._header, b""))

    @staticmethod
    def _moved(family: Metric, samples: list[Sample]) -> bool:
        moved = {family.name + suffix for suffix in _MOVED}
        return any(sample.name in moved for sample in samples)

    def written(self) -> Written | None:
        """The family's text, or `None` if `keep` kept none of it."""
        return None if self._family is None else Written(self._family, self.pieces)


class _Body:
    """Pieces joined into parts of at least `part` bytes: a write each, not one per piece."""

    def __init__(self, part: int) -> None:
        self._part = part
        self._parts: list[bytes] = []
        self._pending: list[bytes] = []
        self._size = 0

    def add(self, piece: bytes) -> bool:
        """Whether a part was joined: a turn's work at the most."""
        self._pending.append(piece)
        self._size += len(piece)
        if self._size < self._part:
            return False
        self._parts.append(b"".join(self._pending))
        self._pending, self._size = [], 0
        return True

    def done(self) -> list[bytes]:
        return [*self._parts, b"".join(self._pending)]


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
