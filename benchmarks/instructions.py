"""Instructions per operation of one Savina workload, from callgrind: a figure that does not
move with the machine's load, for comparing two trees on a shared machine.

    python -m benchmarks.instructions pingpong_actorkit 5000
    python -m benchmarks.instructions bank_actorkit 2000 --time-scale 50

runs the workload at n and 3n under `valgrind --tool=callgrind` and prints the difference
divided by 2n (start-up and shutdown cancel out). Per-operation units are the workload's
own: messages for ping-pong count twice (`--per 2`). Not for fib, whose work is not linear in
its n.

Valgrind runs Python about 50 times slower, so work paid per unit of time (the 5 ms ask
deadline buckets, their 2.5 ms rotation) comes about 50 times more often per operation than
in a real run. `--time-scale 50` stretches the system clock's resolution by that factor on
both trees being compared, which restores the real proportion.
"""

from __future__ import annotations

import argparse
import functools
import inspect

from ._callgrind import callgrind_count, per_unit


def _run_one(workload: str, n: int, time_scale: float) -> None:
    """The child side: one run of the workload, inside callgrind."""
    import uvloop

    from actorkit import _clock
    from benchmarks import savina

    _clock.SystemClock.resolution *= time_scale
    for module in savina.__dict__.values():
        found = getattr(module, workload, None)
        if inspect.iscoroutinefunction(found):
            uvloop.run(found(n))
            return
    raise SystemExit(f"no workload named {workload!r} in benchmarks.savina")


def _collected(workload: str, n: int, time_scale: float) -> int:
    return callgrind_count(
        "benchmarks.instructions", [workload, str(n), "--time-scale", str(time_scale)]
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("workload", help="a function of benchmarks.savina, e.g. bank_actorkit")
    parser.add_argument("n", type=int, help="the workload's size; 3n is run too")
    parser.add_argument("--per", type=float, default=1.0, help="operations per unit of n")
    parser.add_argument("--time-scale", type=float, default=1.0)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        _run_one(args.workload, args.n, args.time_scale)
        return
    count = functools.partial(_collected, args.workload, time_scale=args.time_scale)
    per_op = per_unit(count, args.n, 2 * args.n * args.per)
    print(f"{args.workload}: {per_op:,.0f} instructions per operation")


if __name__ == "__main__":
    main()
