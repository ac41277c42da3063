"""Checked requirement sets are kept for the sets submitters repeat, however many, within a
bound: a set seen again is not checked (and made into a new frozenset) again."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from actorkit._names import check_names
from actorkit._tasks import _checks
from actorkit._tasks._checks import CHECKED_REQUIRES, REQUIRES_CACHED, check_requires


@pytest.fixture
def checks(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[object]]:
    """Each full check of a requirement set, counted; the cache starts empty and is left so."""
    seen: list[object] = []

    def counted(value: object, what: str, each: str) -> frozenset[str]:
        seen.append(value)
        return check_names(value, what, each)

    monkeypatch.setattr(_checks, "check_names", counted)
    _checks.forget_checked()
    yield seen
    _checks.forget_checked()


def test_thousands_of_sets_submitted_in_turn_are_checked_once_each(checks: list[object]) -> None:
    # An agent per tenant, one more than a turn holds: the first round hands the sets to
    # the turn before, where the next round finds them.
    sets = [("a", f"b{i}") for i in range(REQUIRES_CACHED + 1)]
    first = [check_requires(needs) for needs in sets]
    assert len(checks) == len(sets)

    again = [check_requires(needs) for needs in sets]

    assert len(checks) == len(sets)
    assert all(a is b for a, b in zip(first, again, strict=True))  # one frozenset per set


def test_churn_through_sets_leaves_a_bounded_cache(checks: list[object]) -> None:
    for i in range(3 * REQUIRES_CACHED):  # a requirement per job, never seen again
        assert check_requires((f"job{i}",)) == {f"job{i}"}
    assert _checks.checked() <= 2 * REQUIRES_CACHED
    assert len(CHECKED_REQUIRES) <= REQUIRES_CACHED


def test_a_set_that_cannot_be_hashed_is_refused_by_the_check_once_sets_were_handed_on(
    checks: list[object],
) -> None:
    """Looking it up in the turn before hashes it (an empty dict does not): the refusal is
    still the check's, not the hash's."""
    for i in range(REQUIRES_CACHED + 1):
        check_requires((f"job{i}",))
    with pytest.raises(TypeError, match=r"in requires must be a non-empty str, got \[\]"):
        check_requires(("gpu", []))
