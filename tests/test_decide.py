"""The supervisor's decision as a pure function: no event loop, no actors."""

from __future__ import annotations

import random

import pytest

from actorkit import Backoff, OneForOne
from actorkit._intensity import Intensity
from actorkit._supervision import decide


def _decide(
    error: BaseException | None,
    restart: str = "permanent",
    *,
    strategy: OneForOne | None = None,
    has_instance: bool = True,
    history: Intensity | None = None,
    now: float = 0.0,
) -> str:
    return decide(
        strategy or OneForOne(),
        restart,
        error,
        has_instance=has_instance,
        history=history or Intensity(),
        now=now,
    )


@pytest.mark.parametrize(
    ("restart", "error", "expected"),
    [
        ("permanent", ValueError(), "restart"),
        ("permanent", None, "restart"),  # a permanent child that stops itself comes back
        ("transient", ValueError(), "restart"),
        ("transient", None, "stop"),  # a normal exit of a transient child is final
        ("temporary", ValueError(), "stop"),  # never restarted
        ("temporary", None, "stop"),
    ],
)
def test_restart_types_follow_otp(restart: str, error: BaseException | None, expected: str) -> None:
    assert _decide(error, restart) == expected


def test_the_most_specific_decider_entry_wins_and_resume_needs_an_instance() -> None:
    strategy = OneForOne(decider={LookupError: "stop", KeyError: "resume", Exception: "escalate"})
    assert _decide(KeyError(), strategy=strategy) == "resume"
    assert _decide(IndexError(), strategy=strategy) == "stop"
    assert _decide(RuntimeError(), strategy=strategy) == "escalate"
    # A failure in starting leaves nothing to resume: it restarts instead.
    assert _decide(KeyError(), strategy=strategy, has_instance=False) == "restart"


def test_intensity_gives_up_on_the_restart_past_max_restarts_within_the_window() -> None:
    strategy = OneForOne(max_restarts=2, within=10.0)
    history = Intensity()
    decisions = [
        _decide(ValueError(), strategy=strategy, history=history, now=t) for t in (0, 1, 2)
    ]
    assert decisions == ["restart", "restart", "give_up"]
    # Outside the window the old restarts no longer count.
    assert _decide(ValueError(), strategy=strategy, history=history, now=11.5) == "restart"


def test_resumes_and_stops_do_not_count_toward_intensity() -> None:
    strategy = OneForOne(max_restarts=1, within=10.0, decider={KeyError: "resume"})
    history = Intensity()
    for t in range(5):
        assert _decide(KeyError(), strategy=strategy, history=history, now=t) == "resume"
        assert _decide(None, "transient", strategy=strategy, history=history, now=t) == "stop"
    assert _decide(ValueError(), strategy=strategy, history=history, now=6) == "restart"


def test_a_decider_that_raises_is_left_to_the_caller() -> None:
    def broken(error: BaseException) -> None:
        raise RuntimeError("decider bug")

    with pytest.raises(RuntimeError, match="decider bug"):
        _decide(ValueError(), strategy=OneForOne(decider=broken))


def test_backoff_jitter_stretches_each_delay_by_up_to_its_fraction(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """`min(max, min * 2**(n-1))`, times `1 + uniform(0, jitter)`: drawn at either end."""
    backoff = Backoff(min=1.0, max=8.0, jitter=0.5)
    monkeypatch.setattr(random, "uniform", lambda low, high: high)
    assert [backoff.delay(n) for n in (1, 2, 4, 5)] == [1.5, 3.0, 12.0, 12.0]
    monkeypatch.setattr(random, "uniform", lambda low, high: low)
    assert [backoff.delay(n) for n in (1, 3, 9)] == [1.0, 4.0, 8.0]
