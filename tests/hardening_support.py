"""The bound every call in the hardening tests must return within."""

from __future__ import annotations

BOUND = 5.0
"""No call here may take longer: each would have hung before its fix."""
