"""`python -m actorkit`: the command line."""

from __future__ import annotations

import argparse
from collections.abc import Sequence


def _positive_seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected seconds as a number, got {text!r}") from None
    if value <= 0:
        raise argparse.ArgumentTypeError(f"duration must be > 0 seconds, got {text}")
    return value


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m actorkit", description="actorkit: actors for asyncio"
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    demo = sub.add_parser("demo", help="run a live supervised multi-actor demo")
    demo.add_argument(
        "--duration",
        type=_positive_seconds,
        default=None,
        help="seconds to run (default: until Ctrl-C)",
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    from ._demo import run_demo

    return run_demo(duration=args.duration)
