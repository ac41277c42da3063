"""python -m benchmarks [--quick] [--only NAME ...] [--check] [--runs N] [--profile] [--compare]"""

from __future__ import annotations

import argparse
import multiprocessing
import sys
from concurrent.futures import ProcessPoolExecutor

from . import BENCHES, GROUPS, measured
from ._harness import Figure
from ._profile import profile


def positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be >= 1, got {value}")
    return value


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks",
        description="actorkit against raw asyncio on the same uvloop loop; one JSON line "
        "per figure on stdout (a summary table on stderr). ratio = actorkit / baseline, the "
        "median of the per-run ratios; a "
        "target is a floor when higher_is_better, else a ceiling, and applies to the ratio, "
        "or to actorkit's own value where target_on is 'value'.",
    )
    parser.add_argument("--quick", action="store_true", help="small sizes, 1 run by default")
    parser.add_argument(
        "--only",
        nargs="+",
        action="extend",
        metavar="NAME",
        choices=[*(bench.name for bench in BENCHES), *GROUPS],
        help="run only these benches (spawn_1m and the savina group run only when named "
        "here; 'savina' names all of its workloads)",
    )
    parser.add_argument("--check", action="store_true", help="exit 1 if a target is missed")
    parser.add_argument("--runs", type=positive, help="runs per side; the median is reported")
    parser.add_argument(
        "--profile",
        action="store_true",
        help="instead of measuring, cProfile the actorkit side once (top 12 by tottime)",
    )
    parser.add_argument(
        "--compare",
        action="store_true",
        help="instead of the harness, run tell, ask, publish and spawn on Pykka and Thespian, "
        "and the Savina ping-pong, counting and ring on Pykka, where they are installed "
        "(pip install -e '.[bench]'); --quick and --runs apply",
    )
    args = parser.parse_args(argv)
    if args.only:
        args.only = [name for only in args.only for name in GROUPS.get(only, [only])]
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    runs = args.runs or (1 if args.quick else 3)
    if args.compare:
        from .compare import compare

        return compare(quick=args.quick, runs=runs)
    figures: list[Figure] = []
    for bench in BENCHES:
        if args.only and bench.name not in args.only:
            continue
        if bench.explicit and not args.only:
            skipped(bench.name)
            continue
        n = bench.quick_size if args.quick else bench.size
        if n is None:
            print(f"skipped {bench.name} under --quick", file=sys.stderr)
            continue
        if args.profile:
            profile(bench, n)
            continue
        for figure in apart(bench.name, n, runs):
            print(figure.json(), flush=True)
            figures.append(figure)
    if figures:
        summarize(figures)
    misses = [figure for figure in figures if figure.passed is False]
    if args.check and misses:
        for figure in misses:
            on = "value" if figure.metric.absolute else "ratio"
            got = figure.actorkit if figure.metric.absolute else figure.ratio
            print(
                f"MISSED {figure.bench}.{figure.metric.name}: {on} {got} "
                f"target {figure.metric.target} {figure.error or ''}".rstrip(),
                file=sys.stderr,
            )
        return 1
    return 0


def apart(name: str, n: int, runs: int) -> list[Figure]:
    """One bench in a fresh interpreter of its own (both its sides, alternated, in that one
    process), as pyperf runs each benchmark: run after others in one process, a bench met the
    heap and the collector's generations they left, and its ratio moved with the benches run
    before it (the tasks bench read 0.47 in a full run and 0.62-0.66 alone on the AMD EPYC;
    benchmarks/RESULTS.md)."""
    spawn = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=1, mp_context=spawn) as child:
        return child.submit(measured, name, n, runs).result()


def skipped(name: str) -> None:
    """Says once per group, or per bench outside a group, how to run what was left out."""
    group = next((group for group, names in GROUPS.items() if name in names), None)
    if group is None:
        print(f"skipped {name}: run it with --only {name}", file=sys.stderr)
    elif GROUPS[group][0] == name:
        print(f"skipped the {group} group: run it with --only {group}", file=sys.stderr)


def summarize(figures: list[Figure]) -> None:
    """A table for people on stderr; stdout stays one JSON line per figure."""
    print(
        f"\n{'figure':32} {'actorkit':>12} {'baseline':>12} {'ratio':>7}  {'target':<16} result",
        file=sys.stderr,
    )
    for figure in figures:
        metric = figure.metric
        target = ""
        if metric.target is not None:
            sign = ">=" if metric.higher_is_better else "<="
            target = f"{sign} {metric.target:g}" + (f" {metric.unit}" if metric.absolute else "x")
        result = {True: "pass", False: "MISS", None: ""}[figure.passed]
        print(
            f"{figure.bench + '.' + metric.name:32} {_num(figure.actorkit):>12} "
            f"{_num(figure.baseline):>12} {_ratio(figure.ratio):>7}  {target:<16} {result}",
            file=sys.stderr,
        )


def _ratio(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}"


def _num(value: float | None) -> str:
    if value is None:
        return "-"
    return f"{value:,.0f}" if abs(value) >= 1000 else f"{value:.3g}"


if __name__ == "__main__":
    sys.exit(main())
