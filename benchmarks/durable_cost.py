"""Instructions per event of the grouped writers (100 concurrent, SQLite), from callgrind: the
actor layer's own cost, which does not move with the machine's load or its disk.

    python -m benchmarks.durable_cost 2000

runs each side at n and 3n events under `valgrind --tool=callgrind` and prints the
difference divided by 2n (start-up, schema creation and shutdown cancel out). The sides:
`raw` (the hand-written group-commit flusher of `durable_sqlite_grouped`), `store` (the
same writers through `SQLiteStore.append`) and `actor` (`EventSourced` actors persisting,
as `durable_sqlite_grouped` runs them). The counts include SQLite's own work in its thread,
which is about the same on every side; waiting for the disk costs no instructions.
"""

from __future__ import annotations

import argparse
import functools

from ._callgrind import callgrind_count, per_unit

SIDES = ("raw", "store", "actor")


def _run_one(side: str, n: int) -> None:
    """The child side: one run, inside callgrind."""
    import uvloop

    from benchmarks import durable, persistence

    try:
        if side == "actor":
            uvloop.run(durable.actor_writers("sqlite", persistence.WRITERS, n))
        elif side == "store":
            uvloop.run(persistence.store_writers("sqlite", persistence.WRITERS, n))
        else:
            uvloop.run(persistence.raw_writers("sqlite", True, persistence.WRITERS, n))
    finally:
        persistence.DATABASES.remove()


def _collected(side: str, n: int) -> int:
    return callgrind_count("benchmarks.durable_cost", [side, str(n)])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("n", type=int, help="events (a multiple of 100); 3n is run too")
    parser.add_argument("--sides", nargs="+", choices=SIDES, default=list(SIDES))
    parser.add_argument("--child", metavar="SIDE", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        _run_one(args.child, args.n)
        return
    for side in args.sides:
        per = per_unit(functools.partial(_collected, side), args.n, 2 * args.n)
        print(f"{side}: {per:,.0f} instructions per event", flush=True)


if __name__ == "__main__":
    main()
