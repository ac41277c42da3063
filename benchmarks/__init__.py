"""actorkit against raw asyncio on the same uvloop loop: `python -m benchmarks [--help]`.

Every figure is one JSON line on stdout; see `_harness` for how to read `ratio` and `target`.
The workloads: `messaging` (tell, bounded send, ask, metrics on against off), `router`
(publish fan-out, publish cost on a loaded topic index, pools), `timers`, `lifecycle` (spawn,
stop, memory; `spawn_1m` only with `--only spawn_1m`). `--compare` runs `compare` (Pykka and
Thespian, when installed); `python -m benchmarks.chart` draws the PNG. `topic_match.py`,
`task_index.py`, `tasks.py` and `nats.py` are separate benchmarks run as scripts.
"""

from __future__ import annotations

from ._harness import Bench
from .lifecycle import BENCHES as LIFECYCLE
from .messaging import BENCHES as MESSAGING
from .router import BENCHES as ROUTER
from .timers import BENCHES as TIMERS

BENCHES: list[Bench] = [*MESSAGING, *ROUTER, *TIMERS, *LIFECYCLE]

__all__ = ["BENCHES", "Bench"]
