"""Every Savina workload runs at its `--quick` size on both sides and verifies its own answer
(a wrong answer raises inside the side, which the harness reports as an error)."""

from __future__ import annotations

import pytest

from benchmarks import GROUPS
from benchmarks.__main__ import parse
from benchmarks._harness import Bench, measure
from benchmarks.savina import BENCHES, ring


@pytest.mark.parametrize("bench", BENCHES, ids=[bench.name for bench in BENCHES])
def test_each_workload_verifies_its_answer_on_both_sides(
    bench: Bench, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The ring's sweep builds 11,100 actors a side even under --quick; rings of 10, 20 and
    # 50 run the same code in a fraction of the time.
    monkeypatch.setattr(ring, "SIZES", dict(zip(ring.SIZES, (10, 20, 50), strict=True)))
    assert bench.quick_size is not None
    figures = measure(bench, bench.quick_size, 1)
    for figure in figures:
        assert figure.error is None
        assert figure.actorkit is not None and figure.actorkit > 0
        assert figure.baseline is not None and figure.baseline > 0


def test_the_group_is_named_explicitly_and_expands_to_every_workload() -> None:
    assert all(bench.explicit for bench in BENCHES)
    assert parse(["--only", "savina"]).only == GROUPS["savina"] == [b.name for b in BENCHES]
