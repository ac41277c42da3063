"""The time bounds the shutdown tests hold a shutdown to."""

from __future__ import annotations

import pytest

BOUND = 5.0
"""Half the default shutdown timeout: a shutdown still waiting on the default fails here."""

SLACK = 3.0
"""Seconds a shutdown may take beyond its timeout and the forced stop's grace on a loaded
2-core machine. Generous, yet `timeout + FORCED_STOP_GRACE + SLACK` stays under `BOUND` for
any timeout under a second: such a bound still fails a shutdown that waits on a longer
timeout (the default, or the 60 s of an earlier call) instead of its own."""

SHORT_GRACE = 0.1
"""The forced stop's grace (`FORCED_STOP_GRACE`, 1 s) for tests that wait it out without
measuring it: an `on_stop` that never returns is cut short at the grace, whatever its
length, and the test then checks what came after."""


def shorten_grace(monkeypatch: pytest.MonkeyPatch, seconds: float = SHORT_GRACE) -> None:
    """The forced stop's grace set to `seconds` wherever the runtime reads it."""
    for module in ("actorkit._outside_stop", "actorkit._cut"):
        monkeypatch.setattr(f"{module}.FORCED_STOP_GRACE", seconds)
