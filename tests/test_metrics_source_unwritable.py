"""A metrics source (`system.metrics.add_source`) that returns what no exposition format can
write, without raising, is a broken source as one that raises is: logged with its name and
what to change, and the rest of the scrape is served (README, "Failures in the runtime's own
callbacks are contained"). Before, prometheus_client's writer failed on it after the
collector had handed it over, and every scrape of `/metrics` answered 500: all of the
system's families lost to one user family with an int label value."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Iterable

import aiohttp
import pytest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.samples import Exemplar, NativeHistogram

from actorkit import ActorSystem

OPENMETRICS = "application/openmetrics-text; version=1.0.0"


def shard_depths() -> Iterable[Metric]:
    depth = GaugeMetricFamily("shard_depth", "queued per shard", labels=["shard"])
    for shard in range(3):
        depth.add_metric([shard], 5)  # type: ignore[list-item]  # an int label value
    return [depth]


def not_families() -> Iterable[Metric]:
    return ["shard_depth 5"]  # type: ignore[list-item]


def text_values() -> Iterable[Metric]:
    return [GaugeMetricFamily("shard_depth", "queued", value="five")]  # type: ignore[arg-type]


def no_help() -> Iterable[Metric]:
    return [GaugeMetricFamily("shard_depth", None, value=5)]  # type: ignore[arg-type]


def int_label_names() -> Iterable[Metric]:
    depth = GaugeMetricFamily("shard_depth", "queued", labels=[1])  # type: ignore[list-item]
    depth.add_metric(["a"], 5)
    return [depth]


def bytes_sample_names() -> Iterable[Metric]:
    depth = Metric("shard_depth", "queued", "gauge")
    depth.add_sample(b"shard_depth", {}, 5)  # type: ignore[arg-type]
    return [depth]


def tuple_samples() -> Iterable[Metric]:
    depth = Metric("shard_depth", "queued", "gauge")
    depth.samples.append(("shard_depth", {}, 5))  # type: ignore[arg-type]
    return [depth]


def blank_timestamps() -> Iterable[Metric]:
    depth = Metric("shard_depth", "queued", "gauge")
    depth.add_sample("shard_depth", {}, 5, timestamp="")  # type: ignore[arg-type]
    return [depth]


def gauge_exemplars() -> Iterable[Metric]:
    depth = Metric("shard_depth", "queued", "gauge")
    depth.add_sample("shard_depth", {}, 5, exemplar=Exemplar({"trace_id": "a1"}, 5))
    return [depth]


def int_exemplar_labels() -> Iterable[Metric]:
    depth = Metric("shard_depth", "queued", "counter")
    exemplar = Exemplar({"trace_id": 7}, 5)  # type: ignore[dict-item]
    depth.add_sample("shard_depth_total", {}, 5, exemplar=exemplar)
    return [depth]


def text_exemplar_values() -> Iterable[Metric]:
    depth = Metric("shard_depth", "queued", "counter")
    exemplar = Exemplar({"trace_id": "a1"}, "five")  # type: ignore[arg-type]
    depth.add_sample("shard_depth_total", {}, 5, exemplar=exemplar)
    return [depth]


def infinite_timestamps() -> Iterable[Metric]:
    depth = Metric("shard_depth", "queued", "gauge")
    depth.add_sample("shard_depth", {}, 5, timestamp=float("inf"))
    return [depth]


def timestamps_past_the_milliseconds_range() -> Iterable[Metric]:
    depth = Metric("shard_depth", "queued", "gauge")
    depth.add_sample("shard_depth", {}, 5, timestamp=1e306)  # finite, but not in milliseconds
    return [depth]


def ints_past_a_floats_range() -> Iterable[Metric]:
    return [GaugeMetricFamily("shard_depth", "queued", value=10**400)]


def native_histograms_without_a_value() -> Iterable[Metric]:
    depth = Metric("shard_depth", "queued", "histogram")
    native = NativeHistogram(1, 0.5, 0, 0.0, 0)
    depth.add_sample("shard_depth", {}, None, native_histogram=native)  # type: ignore[arg-type]
    return [depth]


def forgets_to_return() -> Iterable[Metric]:
    GaugeMetricFamily("shard_depth", "queued", value=5)
    return None  # type: ignore[return-value]


def one_family() -> Iterable[Metric]:
    return GaugeMetricFamily("shard_depth", "queued", value=5)  # type: ignore[return-value]


async def _depths() -> list[Metric]:
    return [GaugeMetricFamily("shard_depth", "queued", value=5)]


def a_coroutine() -> Iterable[Metric]:
    return _depths()  # type: ignore[return-value]


def good() -> Iterable[Metric]:
    return [GaugeMetricFamily("good_family", "a working source", value=2)]


@pytest.mark.parametrize(
    ("source", "says"),
    [
        (
            shard_depths,
            "label values must be str, got int 0 for 'shard' of shard_depth: pass str(value)",
        ),
        (not_families, "must yield metric families such as GaugeMetricFamily, got str"),
        (text_values, "sample values must be numbers, got str 'five' in shard_depth"),
        (no_help, "the documentation of shard_depth must be a str, got NoneType"),
        (int_label_names, "label names must be str, got 1 in shard_depth"),
        (bytes_sample_names, "the samples of shard_depth must be prometheus_client Samples"),
        (tuple_samples, "the samples of shard_depth must be prometheus_client Samples"),
        (blank_timestamps, "sample timestamps must be numbers, got str '' in shard_depth"),
        (gauge_exemplars, "exemplars go on a counter's _total or a histogram's _bucket sample"),
        (int_exemplar_labels, "exemplar label values must be str, got int 7 for 'trace_id'"),
        (text_exemplar_values, "exemplar values must be numbers, got str 'five' in shard_depth"),
        (infinite_timestamps, "sample timestamps must be finite, got inf in shard_depth"),
        (
            timestamps_past_the_milliseconds_range,
            "sample timestamps must be finite, got 1e+306 in shard_depth",
        ),
        (ints_past_a_floats_range, "sample values must be numbers, got int"),
        (native_histograms_without_a_value, "sample values must be numbers, got NoneType"),
        (
            forgets_to_return,
            "must return metric families (a list of them, or yield them), got None",
        ),
        (one_family, "got a GaugeMetricFamily: return [family]"),
        (a_coroutine, "got a coroutine, which the scrape cannot await"),
    ],
)
async def test_a_source_no_format_can_write_is_logged_and_the_rest_is_served(
    source: Callable[[], Iterable[Metric]], says: str, caplog: pytest.LogCaptureFixture
) -> None:
    async with asyncio.timeout(10), ActorSystem("sourced") as system:
        system.metrics.add_source(source)
        system.metrics.add_source(good)
        server = await system.serve_http(port=0)
        async with aiohttp.ClientSession() as session:
            for accept in ("text/plain", OPENMETRICS):
                headers = {"Accept": accept}
                async with session.get(f"{server.url}/metrics", headers=headers) as response:
                    assert response.status == 200, accept
                    text = await response.text()
                assert "good_family 2.0" in text
                assert "actorkit_dead_letters_total{" in text
                assert "shard_depth" not in text
    failed = [
        record
        for record in caplog.records
        if record.getMessage() == f"actorkit metrics source {source.__qualname__} failed"
    ]
    assert len(failed) == 2 and all(record.levelno == logging.ERROR for record in failed)
    assert failed[0].exc_info is not None
    assert says in str(failed[0].exc_info[1])


def test_add_source_refuses_an_async_source_saying_what_to_pass() -> None:
    system = ActorSystem("sourced")
    before = list(system.metrics.sources)
    with pytest.raises(TypeError, match="cannot await") as refused:
        system.metrics.add_source(_depths)  # type: ignore[arg-type]
    assert "a plain function" in str(refused.value)
    assert system.metrics.sources == before
