"""python -m benchmarks [--quick] [--only NAME ...] [--check] [--runs N] [--profile]"""

from __future__ import annotations

import argparse
import sys

from . import BENCHES
from ._harness import Figure, measure, profile


def positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be >= 1, got {value}")
    return value


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks",
        description="actorkit against raw asyncio on the same uvloop loop; one JSON line "
        "per figure on stdout. ratio = actorkit / baseline; a target is a floor when "
        "higher_is_better, else a ceiling.",
    )
    parser.add_argument("--quick", action="store_true", help="small sizes, 1 run by default")
    parser.add_argument(
        "--only",
        nargs="+",
        action="extend",
        metavar="NAME",
        choices=[bench.name for bench in BENCHES],
        help="run only these benches",
    )
    parser.add_argument("--check", action="store_true", help="exit 1 if a target is missed")
    parser.add_argument("--runs", type=positive, help="runs per side; the median is reported")
    parser.add_argument(
        "--profile",
        action="store_true",
        help="instead of measuring, cProfile the actorkit side once (top 10 by tottime)",
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    runs = args.runs or (1 if args.quick else 3)
    misses: list[Figure] = []
    for bench in BENCHES:
        if args.only and bench.name not in args.only:
            continue
        n = bench.quick_size if args.quick else bench.size
        if n is None:
            print(f"skipped {bench.name} under --quick", file=sys.stderr)
            continue
        if args.profile:
            profile(bench, n)
            continue
        for figure in measure(bench, n, runs):
            print(figure.json(), flush=True)
            if figure.passed is False:
                misses.append(figure)
    if args.check and misses:
        for figure in misses:
            print(
                f"MISSED {figure.bench}.{figure.metric.name}: ratio {figure.ratio} "
                f"target {figure.metric.target} {figure.error or ''}".rstrip(),
                file=sys.stderr,
            )
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
