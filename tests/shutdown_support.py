"""The time bound the shutdown tests hold a shutdown to."""

from __future__ import annotations

BOUND = 5.0
"""Half the default shutdown timeout: a shutdown still waiting on the default fails here."""
