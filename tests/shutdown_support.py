"""The time bounds the shutdown tests hold a shutdown to."""

from __future__ import annotations

BOUND = 5.0
"""Half the default shutdown timeout: a shutdown still waiting on the default fails here."""

SLACK = 3.0
"""Seconds a shutdown may take beyond its timeout and the forced stop's grace on a loaded
2-core machine. Generous, yet `timeout + FORCED_STOP_GRACE + SLACK` stays under `BOUND` for
any timeout under a second: such a bound still fails a shutdown that waits on a longer
timeout (the default, or the 60 s of an earlier call) instead of its own."""
