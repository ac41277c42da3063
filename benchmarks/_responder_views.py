"""What `benchmarks/nats_responder.py` shows of where the responder's time goes: bytecodes
and cProfile's tottime per ask, function by function, actorkit's side next to raw's."""

from __future__ import annotations

import pstats
import sys
from pathlib import Path
from typing import Any


class Opcodes:
    """Bytecodes run per function while on, from `sys.settrace` opcode events."""

    def __init__(self) -> None:
        self.counts: dict[str, int] = {}

    def on(self) -> None:
        sys.settrace(self._call)

    def off(self) -> dict[str, int]:
        sys.settrace(None)
        counts, self.counts = self.counts, {}
        return counts

    def _call(self, frame: Any, event: str, arg: object) -> Any:
        frame.f_trace_opcodes = True
        code = frame.f_code
        where = f"{code.co_qualname} ({Path(code.co_filename).name}:{code.co_firstlineno})"
        counts = self.counts

        def opcode(frame: Any, event: str, arg: object) -> Any:
            if event == "opcode":
                counts[where] = counts.get(where, 0) + 1
            return opcode

        return opcode


def show_opcodes(counted: dict[str, dict[str, int]], n: int, top: int = 60) -> None:
    """Bytecodes per ask by function, both sides, largest difference first."""
    actorkit_side, raw_side = counted["actorkit"], counted["raw"]
    for side, counts in counted.items():
        print(f"--- responder, {side}: {sum(counts.values()) / n:,.0f} bytecodes per ask ---")
    print(f"{'actorkit':>8} {'raw':>6}  function")
    names = sorted(
        set(actorkit_side) | set(raw_side),
        key=lambda name: raw_side.get(name, 0) - actorkit_side.get(name, 0),
    )
    for name in names[:top]:
        mine, theirs = actorkit_side.get(name, 0) / n, raw_side.get(name, 0) / n
        if max(mine, theirs) >= 0.5:
            print(f"{mine:8.1f} {theirs:6.1f}  {name}")


def show_profiles(profile_dir: Path, n: int, top: int = 30) -> None:
    """Each side's functions by tottime per ask, with the calls per ask."""
    for side in ("actorkit", "raw"):
        stats = pstats.Stats(str(profile_dir / f"responder_{side}.prof"))
        table: dict[tuple[str, int, str], tuple[int, int, float, float, object]]
        table = stats.stats  # type: ignore[attr-defined]
        total: float = stats.total_tt  # type: ignore[attr-defined]
        print(f"--- responder, {side}: {total / n * 1e6:.1f} µs per ask under cProfile ---")
        print(f"{'µs/ask':>7} {'calls/ask':>9}  function")
        rows = sorted(table.items(), key=lambda item: item[1][2], reverse=True)[:top]
        for (path, line, function), (_, calls, tottime, _, _) in rows:
            where = f"{Path(path).parent.name}/{Path(path).name}:{line}" if line else path
            print(f"{tottime / n * 1e6:7.2f} {calls / n:9.2f}  {function} ({where})")
