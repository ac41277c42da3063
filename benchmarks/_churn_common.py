"""What both sides of the `churn` benchmark share: the tally their start and stop code counts,
and how many churners the `concurrent` shape runs at once."""

from __future__ import annotations

CONCURRENT = 100
"""Churners at once in the `concurrent` shape."""


class Tally:
    """What the hooks of both sides count, checked against the churns run."""

    def __init__(self) -> None:
        self.started = 0
        self.stopped = 0
