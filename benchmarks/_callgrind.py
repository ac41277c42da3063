"""Counting instructions under callgrind: what `benchmarks.instructions`, `benchmarks.churn`,
`benchmarks.durable_cost` and `benchmarks.watch_stop` share. A module of its own, which no
benchmark runs with `-m`: the package imports the benchmarks' modules, so `python -m` of one
that another imports would find it imported already."""

from __future__ import annotations

import re
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path


def callgrind_count(module: str, child: list[str], *, phase: tuple[str, str] | None = None) -> int:
    """Instructions of one run of `python -m module --child *child` under callgrind (a
    benchmark's child side). With `phase`, the functions whose entry begins and ends a span,
    only that span's."""
    marks = [] if phase is None else [f"--zero-before={phase[0]}", f"--dump-before={phase[1]}"]
    with tempfile.TemporaryDirectory() as out:
        run = subprocess.run(
            [
                "valgrind",
                "--tool=callgrind",
                f"--callgrind-out-file={Path(out) / 'cg.out'}",
                *marks,
                sys.executable,
                "-m",
                module,
                "--child",
                *child,
            ],
            capture_output=True,
            text=True,
            check=True,
        )
        if phase is not None:
            spanned = (Path(out) / "cg.out.1").read_text()
            found = re.search(r"^summary: (\d+)", spanned, re.M)
            if found is None:
                raise SystemExit(f"callgrind dumped no count of the span {phase}")
            return int(found.group(1))
    found = re.search(r"Collected : (\d+)", run.stderr)
    if found is None:
        raise SystemExit(f"callgrind printed no count:\n{run.stderr[-2000:]}")
    return int(found.group(1))


def per_unit(count: Callable[[int], int], n: int, units: float) -> float:
    """Instructions per unit of work: `count` at 3n less `count` at n (start-up and shutdown
    cancel out), over the `units` of work those 2n more did."""
    return (count(3 * n) - count(n)) / units
