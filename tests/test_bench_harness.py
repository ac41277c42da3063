"""The benchmark harness's `--check` is a release gate, so how it turns runs into a verdict is
tested here (with fake sides; nothing is timed)."""

from __future__ import annotations

from collections.abc import Iterator

from benchmarks._harness import Bench, Figures, Metric, Side, _measure


def side(values: list[float]) -> Side:
    """A side that reports `values` in turn, one per run."""
    feed: Iterator[float] = iter(values)

    async def run(n: int) -> Figures:
        return {"rate": next(feed)}

    return run


async def test_the_ratio_is_the_median_of_per_run_ratios() -> None:
    # Run 2 of actorkit and runs 2 and 3 of the baseline hit a stall: the ratio of the medians
    # would be 10 / 1, but no single run was more than 3x.
    ours, theirs = side([10.0, 3.0, 10.0]), side([10.0, 1.0, 1.0])
    bench = Bench("fake", ours, theirs, (Metric("rate", "x/s", target=2.5),), 7, None)
    [figure] = await _measure(bench, 7, 3)
    assert (figure.actorkit, figure.baseline) == (10.0, 1.0)
    assert figure.paired == [1.0, 3.0, 10.0]
    assert figure.ratio == 3.0
    assert figure.passed is True


async def test_a_failing_side_is_an_error_and_a_miss() -> None:
    ours = side([1.0])

    async def broken(n: int) -> Figures:
        raise RuntimeError("no baseline today")

    bench = Bench("fake", ours, broken, (Metric("rate", "x/s", target=0.5),), 1, None)
    [figure] = await _measure(bench, 1, 1)
    assert figure.ratio is None
    assert figure.passed is False
    assert figure.error is not None and "no baseline today" in figure.error
