"""actorkit against raw asyncio on the same uvloop loop: `python -m benchmarks [--help]`.

Every figure is one JSON line on stdout; see `_harness` for how to read `ratio` and `target`.
`topic_match.py` and `task_index.py` are separate micro-benchmarks run as scripts.
"""

from __future__ import annotations

from ._harness import Bench
from .lifecycle import BENCHES as LIFECYCLE
from .messaging import BENCHES as MESSAGING

BENCHES: list[Bench] = [*MESSAGING, *LIFECYCLE]

__all__ = ["BENCHES", "Bench"]
