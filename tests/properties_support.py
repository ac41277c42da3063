"""The crash the property tests inject into their actors."""

from __future__ import annotations


class Boom(Exception):
    """The crash the model injects."""
