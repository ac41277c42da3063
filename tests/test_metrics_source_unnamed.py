"""A metrics source that fails is logged by its name, its `__qualname__`: a callable object
of the user's may have one that raises (a property, a proxy's attribute), a `BaseException`
too, or one that is no text. Reading it raised out of the handler of the source's own
failure, and the whole scrape failed with it. The scrape is served, the other sources' and
actorkit's families in it, and the log line names the source by its `repr`, or by its
class when that raises too."""

from __future__ import annotations

from typing import Any

import pytest
from prometheus_client import generate_latest
from prometheus_client.core import GaugeMetricFamily

from actorkit import ActorSystem


class Abort(BaseException):
    """A user's own control-flow signal, not an `Exception`."""


class Broken:
    """A source whose call fails, and whose name is what `name` gives."""

    def __init__(self, name: Any) -> None:
        self._name = name

    def __getattr__(self, attribute: str) -> Any:
        """An instance has no `__qualname__` of its own: this is what a proxy gives."""
        if attribute != "__qualname__":
            raise AttributeError(attribute)
        if isinstance(self._name, BaseException):
            raise self._name
        return self._name

    def __repr__(self) -> str:
        return "<the broken source>"

    def __call__(self) -> Any:
        raise ValueError("the source's own failure")


class Unshown(Broken):
    def __repr__(self) -> str:
        raise RuntimeError("no repr either")


def good_source() -> Any:
    return [GaugeMetricFamily("user_family", "a source after the broken one", value=1)]


@pytest.mark.parametrize(
    ("source", "named"),
    [
        (Broken(RuntimeError("no name")), "<the broken source>"),
        (Broken(Abort("no name")), "<the broken source>"),
        (Broken(5), "<the broken source>"),
        (Broken(""), "<the broken source>"),
        (Unshown(RuntimeError("no name")), "<Unshown instance>"),
        (Broken("Mine.source"), "Mine.source"),
    ],
    ids=["raises", "raises a BaseException", "not a str", "empty", "no repr", "named"],
)
async def test_a_failing_source_whose_name_cannot_be_read_is_logged_and_the_scrape_served(
    caplog: pytest.LogCaptureFixture, source: Broken, named: str
) -> None:
    async with ActorSystem() as system:
        system.metrics.add_source(source)
        system.metrics.add_source(good_source)
        text = generate_latest(system.metrics.registry).decode()
        assert "user_family 1.0" in text
        assert "actorkit_actors" in text
    (record,) = [r for r in caplog.records if "metrics source" in r.getMessage()]
    assert record.getMessage() == f"actorkit metrics source {named} failed"
    assert record.exc_info is not None
    assert str(record.exc_info[1]) == "the source's own failure"
