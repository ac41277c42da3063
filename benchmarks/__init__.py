"""actorkit against raw asyncio on the same uvloop loop: `python -m benchmarks [--help]`.

Every figure is one JSON line on stdout; see `_harness` for how to read `ratio` and `target`. The
workloads: `messaging` (tell, bounded send, ask, metrics on against off, tells to a stopped actor),
`fan_in` (a hundred actors awaiting `send` into one mailbox of ten),
`router` (publish fan-out, publish cost on a loaded topic index, short-lived subscriptions),
`pools`, `timers`, `tasks` (tasks for agents against a `PriorityQueue`), `task_expiry` (tasks whose
deadlines pass), `task_cancel` (pending tasks cancelled in bulk or failed by a shutdown),
`task_failures` (tasks over 50 agents, some failing in their handler, some cancelled by their
submitter while pending or running, against a `PriorityQueue` with the same guarantees by hand),
`task_sets` (tasks over thousands of capability and requirement sets, K=10 against K=1000),
`lifecycle` (spawn, stop, memory; `spawn_1m` only with `--only spawn_1m`), `stop_busy` (the
concurrent stops of a thousand and ten thousand actors, each in a handler with more queued),
`watch_stop` (ten thousand watched actors stopped at once, each watcher handling its `Terminated`),
`sessions` (per-user session actors spawned on demand, asked, stopped when idle, against a
hand-written dict of session tasks), `churn` (an actor per request: spawned, asked once and
stopped, in seven shapes: hooks, from inside an actor, temporary, stopping itself, concurrent),
`restart_storm` (thousands of `one_for_one` restarts waiting out a backoff at once),
`group_restart` (a `one_for_all` restart of 100 children against a hand-written supervisor that
cancels and recreates their tasks), `escalation` (a failure escalated by three supervisors to one
that restarts them, against nested try/except supervisors over tasks),
`savina` (the Savina actor
workloads of issue 14, only with `--only savina` or each by name), `shapes` (request chains,
scatter-gather, many askers, short ask timeouts, a backpressured pipeline, sends into a pool,
publish to parked subscribers: shapes a user writes that the tuned workloads miss, only with
`--only shapes`), `persistence` (the stores'
writes and reads against hand-written aiosqlite and asyncpg, only with `--only persistence`),
`durable` (the same targets through event-sourced actors, only with `--only durable`), `threads`
(`actorkit.to_thread` against `asyncio.to_thread`, idle and beside a busy sender, only with `--only
threads`). `--compare` runs `compare` (Pykka and Thespian, when installed); `python -m
benchmarks.chart` draws the PNG. `topic_match.py`, `task_index.py`, `nats.py` and `nats_pool.py`
are separate benchmarks run as scripts.
"""

from __future__ import annotations

from ._harness import Bench, Figure, measure
from .churn import BENCHES as CHURN
from .durable import BENCHES as DURABLE
from .durable import GROUP as DURABLE_GROUP
from .escalation import BENCHES as ESCALATION
from .fan_in import BENCHES as FAN_IN
from .group_restart import BENCHES as GROUP_RESTART
from .lifecycle import BENCHES as LIFECYCLE
from .messaging import BENCHES as MESSAGING
from .persistence import BENCHES as PERSISTENCE
from .persistence import GROUP as PERSISTENCE_GROUP
from .pools import BENCHES as POOLS
from .restart_storm import BENCHES as RESTART_STORM
from .router import BENCHES as ROUTER
from .savina import BENCHES as SAVINA
from .savina import GROUP as SAVINA_GROUP
from .sessions import BENCHES as SESSIONS
from .shapes import BENCHES as SHAPES
from .shapes import GROUP as SHAPES_GROUP
from .stop_busy import BENCHES as STOP_BUSY
from .task_cancel import BENCHES as TASK_CANCEL
from .task_expiry import BENCHES as TASK_EXPIRY
from .task_failures import BENCHES as TASK_FAILURES
from .task_sets import BENCHES as TASK_SETS
from .tasks import BENCHES as TASKS
from .threads import BENCHES as THREADS
from .timers import BENCHES as TIMERS
from .watch_stop import BENCHES as WATCH_STOP

BENCHES: list[Bench] = [
    *MESSAGING,
    *FAN_IN,
    *ROUTER,
    *POOLS,
    *TIMERS,
    *TASKS,
    *TASK_EXPIRY,
    *TASK_CANCEL,
    *TASK_FAILURES,
    *TASK_SETS,
    *LIFECYCLE,
    *STOP_BUSY,
    *WATCH_STOP,
    *SESSIONS,
    *CHURN,
    *RESTART_STORM,
    *GROUP_RESTART,
    *ESCALATION,
    *SAVINA,
    *SHAPES,
    *PERSISTENCE,
    *DURABLE,
    *THREADS,
]
GROUPS: dict[str, list[str]] = {
    SAVINA_GROUP: [bench.name for bench in SAVINA],
    SHAPES_GROUP: [bench.name for bench in SHAPES],
    PERSISTENCE_GROUP: [bench.name for bench in PERSISTENCE],
    DURABLE_GROUP: [bench.name for bench in DURABLE],
}
"""Names that `--only` expands to several benches."""

__all__ = ["BENCHES", "GROUPS", "Bench"]


def measured(name: str, n: int, runs: int) -> list[Figure]:
    """A bench measured by its name, in the process of its own that `python -m benchmarks`
    gives each (`__main__.apart`): a bench's sides may be closures, which do not cross to
    another process, and a function of `__main__` is not found there."""
    [bench] = [bench for bench in BENCHES if bench.name == name]
    return measure(bench, n, runs)
