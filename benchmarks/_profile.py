"""`python -m benchmarks --profile`: one run of a bench's actorkit side under cProfile, the
functions that took the time, each with its share and its cost per message."""

from __future__ import annotations

import cProfile
import gc
import pstats
import sys
from pathlib import Path

import actorkit

from ._harness import Bench


async def _profile(bench: Bench, n: int, top: int) -> None:
    profiler = cProfile.Profile()
    gc.collect()
    profiler.enable()
    try:
        await bench.actorkit(n)
    finally:
        profiler.disable()
    stats = pstats.Stats(profiler)
    messages = bench.messages(n) if bench.messages is not None else n * bench.per_n
    total: float = stats.total_tt  # type: ignore[attr-defined]
    raw: dict[tuple[str, int, str], tuple[int, int, float, float, object]]
    raw = stats.stats  # type: ignore[attr-defined]
    rows = sorted(raw.items(), key=lambda item: item[1][2], reverse=True)[:top]
    out = sys.stderr
    print(
        f"--- cProfile of {bench.name} (actorkit side, n={n}, {messages:,} messages): "
        f"{total:.3f} s tottime in all, {total / messages * 1e9:,.0f} ns per message "
        "under the profiler ---",
        file=out,
    )
    print(f"{'share':>6} {'ns/msg':>8} {'calls':>10} {'tottime':>8}  function", file=out)
    for (path, line, function), (_, calls, tottime, _, _) in rows:
        where = f"{Path(path).parent.name}/{Path(path).name}:{line}" if line else path
        print(
            f"{tottime / total:6.1%} {tottime / messages * 1e9:8.0f} {calls:>10,} "
            f"{tottime:8.3f}  {function} ({where})",
            file=out,
        )


def profile(bench: Bench, n: int, top: int = 12) -> None:
    """Run the actorkit side once under cProfile; print the `top` functions by tottime, each
    with its share of the total and its cost per message."""
    actorkit.run(_profile(bench, n, top))
