"""Every shape of `benchmarks.shapes` runs at its `--quick` size on both sides and verifies
its own answer (a wrong answer raises inside the side, which the harness reports as an
error)."""

from __future__ import annotations

import pytest

from benchmarks import GROUPS
from benchmarks.__main__ import parse
from benchmarks._harness import Bench, measure
from benchmarks.shapes import BENCHES


@pytest.mark.parametrize("bench", BENCHES, ids=[bench.name for bench in BENCHES])
def test_each_shape_verifies_its_answer_on_both_sides(bench: Bench) -> None:
    assert bench.quick_size is not None
    figures = measure(bench, bench.quick_size, 1)
    assert [figure.metric.name for figure in figures] == [m.name for m in bench.metrics]
    for figure in figures:
        assert figure.error is None
        assert figure.actorkit is not None and figure.actorkit > 0
        assert figure.baseline is not None and figure.baseline > 0


def test_the_group_is_named_explicitly_and_expands_to_every_shape() -> None:
    assert all(bench.explicit for bench in BENCHES)
    assert parse(["--only", "shapes"]).only == GROUPS["shapes"] == [b.name for b in BENCHES]
