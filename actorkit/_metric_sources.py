"""What a metrics source (`Metrics.add_source`) hands the collector, checked before it goes
on: prometheus_client writes the families only after the collector has yielded them, so one
it cannot write (an int label value, a sample value that is text) would fail the whole
scrape, every family of the system with it, where a source that raises loses only its own.
The checks are those of both exposition formats' writers, a few type tests per sample.

`/metrics` calls each source in a loop turn of its own and writes its families in the turns
after, before the next source is called (`written_sources`): a source's call is one step,
however many families it gives, but no two sources' are, and their samples are let go of
as they are written."""

from __future__ import annotations

import inspect
import logging
import math
from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING

from prometheus_client.core import Metric
from prometheus_client.samples import Exemplar, Sample

from ._failure import contained
from ._shown import given, named, traced

if TYPE_CHECKING:
    from ._metric_text import Text
    from ._runtime import Runtime

logger = logging.getLogger("actorkit")

Source = Callable[[], Iterable[Metric]]


async def written_sources(
    sources: Iterable[Source], text: Text, runtime: Runtime, taken: set[str]
) -> list[Metric]:
    """The families of `sources`, written (`Written`), as `families_of` gives them."""
    sourced: list[Metric] = []
    for source in sources:
        await text.fresh()
        families = list(families_of(source, runtime, taken))
        text.spend(sum(len(family.samples) for family in families))
        families.reverse()
        while families:  # let go of once written
            family = families.pop()
            family_text = text.family(family.name)
            await family_text.add_sliced(family)
            if (written := family_text.written()) is not None:
                sourced.append(written)
    return sourced


def families_of(source: Source, runtime: Runtime, taken: set[str]) -> Iterator[Metric]:
    """The families of `source`, up to its failure if it fails, which is logged. `taken`:
    the names the scrape's families so far take (`names_of`), to which these are added."""
    try:
        yield from writable(_iterable(source()), taken)
    except BaseException as error:  # not only an `Exception`: the user's code
        # One broken source must not hide the families of the others.
        name = named(source)  # the user's code too: it must not fail the scrape
        failure = contained(error, f"metrics source {name}", runtime)
        logger.error("actorkit metrics source %s failed", name, exc_info=traced(failure))


def _iterable(families: object) -> Iterable[object]:
    """What a source returned, or `TypeError` saying what to return instead of what is no
    collection of families: its mistakes show here, not as "object is not iterable"."""
    if inspect.iscoroutine(families):
        families.close()  # never to be awaited: no "never awaited" warning at each scrape
        raise TypeError(
            "a metrics source must return metric families, got a coroutine, which the scrape "
            "cannot await: make the source a plain function"
        )
    if isinstance(families, Metric):
        raise TypeError(
            f"a metrics source must return metric families, got a {type(families).__name__}: "
            "return [family]"
        )
    if not isinstance(families, Iterable):
        raise TypeError(
            "a metrics source must return metric families (a list of them, or yield them), "
            f"got {given(families)}"
        )
    return families


_SUFFIXES = {
    "counter": ("_total", "_created"),
    "summary": ("_sum", "_count", "_created"),
    "histogram": ("_bucket", "_sum", "_count", "_created"),
    "gaugehistogram": ("_bucket", "_gsum", "_gcount"),
    "info": ("_info",),
}


def names_of(family: Metric) -> list[str]:
    """The names `family` takes in a scrape: its own and its samples', as a
    `CollectorRegistry` counts them when it refuses a collector that clashes with another."""
    return [family.name, *(family.name + suffix for suffix in _SUFFIXES.get(family.type, ()))]


def writable(families: Iterable[object], taken: set[str]) -> Iterator[Metric]:
    """`families` as they come, or `TypeError` saying what to change at the first that no
    format can write, or `ValueError` at the first that takes a name of `taken` (a family given
    twice by one source, or another's: a restarted actor's whose predecessor's was not
    removed, or two actors'):
    Prometheus's text parser stops at a family's second header, and OpenMetrics forbids one."""
    for family in families:
        if not isinstance(family, Metric):
            raise TypeError(
                "a metrics source must yield metric families such as GaugeMetricFamily, got "
                f"{type(family).__name__} {given(family)}"
            )
        name = family.name
        if not isinstance(family.documentation, str):
            raise TypeError(
                f"the documentation of {name} must be a str, got "
                f"{type(family.documentation).__name__}"
            )
        for sample in family.samples:
            _check_sample(sample, family)
        names = names_of(family)
        if clash := taken.intersection(names):
            raise ValueError(
                f"{min(clash)} is given already, by actorkit or a source: give each family "
                "once, from one source (an actor that adds its source in on_start removes it "
                "in on_stop, metrics.remove_source)"
            )
        taken.update(names)
        yield family


def _check_sample(sample: object, family: Metric) -> None:
    name = family.name
    if not isinstance(sample, Sample) or not isinstance(sample.name, str):
        raise TypeError(f"the samples of {name} must be prometheus_client Samples")
    _check_labels(sample.labels, "label", name)
    _check_number(sample.value, "sample values", name)  # the text format writes it, native or not
    if sample.timestamp is not None:
        _check_number(sample.timestamp, "sample timestamps", name)
        if not math.isfinite(float(sample.timestamp) * 1000):  # the text format's milliseconds
            raise TypeError(
                f"sample timestamps must be finite, got {given(sample.timestamp)} in {name}"
            )
    exemplars = [sample.exemplar] if sample.exemplar else []
    if sample.native_histogram is not None:
        exemplars += getattr(sample.native_histogram, "nh_exemplars", None) or []
    for exemplar in exemplars:
        _check_exemplar(exemplar, sample, family)


def _check_labels(labels: object, what: str, family: str) -> None:
    if not isinstance(labels, dict):
        raise TypeError(f"{what}s of {family} must be a dict of str, got {given(labels)}")
    for label, value in labels.items():
        if not isinstance(label, str):
            raise TypeError(f"{what} names must be str, got {given(label)} in {family}")
        if not isinstance(value, str):
            raise TypeError(
                f"{what} values must be str, got {type(value).__name__} {given(value)} for "
                f"{label!r} of {family}: pass str(value)"
            )


def _check_exemplar(exemplar: object, sample: Sample, family: Metric) -> None:
    """What the OpenMetrics writer refuses: it writes an exemplar only where the format has
    one, and raises on the rest."""
    name = family.name
    if not isinstance(exemplar, Exemplar):
        raise TypeError(f"the exemplars of {name} must be prometheus_client Exemplars")
    kind, sampled = family.type, sample.name
    if not (  # the writer's own test
        (kind == "counter" and sampled.endswith("_total"))
        or (kind in ("histogram", "gaugehistogram") and sampled.endswith("_bucket"))
        or (kind == "histogram" and sampled == name)
    ):
        raise TypeError(
            "exemplars go on a counter's _total or a histogram's _bucket sample, got one on "
            f"{sample.name} of {kind} {name}"
        )
    _check_labels(exemplar.labels, "exemplar label", name)
    _check_number(exemplar.value, "exemplar values", name)


def _check_number(number: object, what: str, family: str) -> None:
    try:
        float(number)  # type: ignore[arg-type]  # what both writers call on it
    except (TypeError, ValueError, OverflowError):  # the last: an int past a float's range
        raise TypeError(
            f"{what} must be numbers, got {type(number).__name__} {given(number)} in {family}"
        ) from None
