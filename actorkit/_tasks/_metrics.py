"""Task metrics: the task layer's plain counters turned into Prometheus families at scrape
time, through the metrics layer's `add_source` hook, so neither layer imports the other's
internals beyond this glue and a submit costs no prometheus_client call."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from ._handle import CANCELLED, EXPIRED, FAILED, PENDING, RUNNING, SUCCEEDED

if TYPE_CHECKING:
    from prometheus_client.core import Metric

    from .._stats import Histogram
    from ._layer import TaskLayer

TASK_BUCKETS: tuple[float, ...] = (
    0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1.0, 5.0, 10.0, 30.0, 60.0, 300.0, 1800.0,
)  # fmt: skip
"""Seconds from submit to finish: tasks wait in a queue and may run for minutes, so the
range reaches far beyond that of message handling."""


def collect(layer: TaskLayer, durations: Histogram) -> Iterator[Metric]:
    from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, HistogramMetricFamily

    counts = layer.counts
    finished = CounterMetricFamily(
        "actorkit_tasks", "Finished tasks by final status", labels=["status"]
    )
    for status in (SUCCEEDED, FAILED, EXPIRED, CANCELLED):
        finished.add_metric([status.value], counts[status])
    yield finished
    yield GaugeMetricFamily("actorkit_tasks_pending", "Tasks waiting for an agent", counts[PENDING])
    yield GaugeMetricFamily(
        "actorkit_tasks_running", "Tasks dispatched to an agent, not finished", counts[RUNNING]
    )
    seconds = HistogramMetricFamily(
        "actorkit_task_seconds", "Time from submit to finish, for finished tasks"
    )
    seconds.add_metric([], durations.cumulative(), durations.sum)
    yield seconds
