"""What /metrics serves of the loop's lag and of a source that raises a `BaseException`
of the user's: the lag histogram's sum is the lateness the probes saw, and such a source
is logged and skipped, as one raising an `Exception` is, the other families served.
docs/observability.md."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import pytest
from prometheus_client.core import GaugeMetricFamily

from actorkit import ActorSystem
from actorkit._stats import LAG_INTERVAL

from .http_support import fetch
from .test_http_metrics import value

HELD = 3 * LAG_INTERVAL
"""Seconds the loop is held: the probe due within it is late by two intervals at least."""
RESOLUTION = 0.01
"""Seconds a loop's clock may lag real time by: uvloop's reads whole milliseconds."""


@pytest.mark.usefixtures("collector_paused")  # the loop's lag is measured in real time
async def test_the_lag_histograms_sum_is_the_lateness_its_probes_saw() -> None:
    async with asyncio.timeout(15), ActorSystem() as system:
        server = await system.serve_http(port=0)
        lag = system.metrics.loop_lag
        seen = lag.count
        began = time.monotonic()
        time.sleep(HELD)  # noqa: ASYNC251  # the subject: a loop held
        held = time.monotonic() - began
        while lag.count == seen:  # the probe, overdue, runs at the loop's next turn
            await asyncio.sleep(0)
        status, text = await fetch(f"{server.url}/metrics")
    assert status == 200
    name = "actorkit_event_loop_lag_seconds"
    assert value(text, f"{name}_count") >= 1
    assert value(text, f"{name}_sum") >= held - LAG_INTERVAL - RESOLUTION
    assert value(text, f"{name}_bucket", le="0.5") < value(text, f"{name}_count")


class Abort(BaseException):
    """A user's own control-flow signal, not an `Exception`."""


async def test_a_source_raising_a_base_exception_of_its_own_is_logged_and_skipped(
    caplog: pytest.LogCaptureFixture,
) -> None:
    def aborting() -> Any:
        yield GaugeMetricFamily("before_the_abort", "yielded first", value=1)
        raise Abort("the source's own signal")

    def good() -> list[GaugeMetricFamily]:
        return [GaugeMetricFamily("after_the_abort", "a source after it", value=2)]

    async with asyncio.timeout(15), ActorSystem() as system:
        system.metrics.add_source(aborting)
        system.metrics.add_source(good)
        server = await system.serve_http(port=0)
        status, text = await fetch(f"{server.url}/metrics")
        assert system.failure is None
    assert status == 200
    assert value(text, "before_the_abort") == 1
    assert value(text, "after_the_abort") == 2
    assert "actorkit_actors" in text
    (record,) = [r for r in caplog.records if "metrics source" in r.getMessage()]
    assert record.exc_info is not None and isinstance(record.exc_info[1], Abort)
