"""Chart the JSON lines of a harness run and a `--compare` run.

    python -m benchmarks --runs 3 > results.jsonl
    python -m benchmarks --compare >> results.jsonl
    python -m benchmarks.chart results.jsonl -o benchmarks/results.png

Top: throughput per workload, actorkit against raw asyncio, Pykka and Thespian, on a log
scale (they differ by orders of magnitude). Middle: the Savina workloads (issue 14), each as
a ratio to its hand-written asyncio version, Pykka's beside it where `--compare` measured
it (1 is parity). Bottom: every figure that has a target, as its margin over that target
(1 is the target; right of it passes). Needs matplotlib (the
`bench` extra); uses the Agg backend, so no display is needed. A figure that appears more than
once in the input keeps its last value.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ._harness import RAW

IMPLS = ("actorkit", "raw asyncio", "pykka", "thespian")
COLORS = {
    "actorkit": "#1f77b4",
    "raw asyncio": "#7f7f7f",
    "pykka": "#ff7f0e",
    "thespian": "#2ca02c",
}
THROUGHPUT = (
    ("tell", "rate"),
    ("send_bounded", "rate"),
    ("ask", "rate"),
    ("publish", "rate"),
    ("pool_round_robin", "rate"),
    ("pool_consistent_hash", "rate"),
    ("timers", "fire"),
    ("spawn", "rate"),
    ("spawn_child", "rate"),
)


@dataclass(frozen=True)
class Target:
    label: str
    value: float
    """What is compared with the target: the ratio, or the value for an absolute target."""
    target: float
    higher_is_better: bool
    unit: str

    @property
    def margin(self) -> float:
        """> 1 passes, whichever way the target points."""
        if self.higher_is_better:
            return self.value / self.target
        return self.target / self.value if self.value else float("inf")


def read(lines: Iterable[str]) -> list[dict[str, Any]]:
    records = []
    for line in lines:
        line = line.strip()
        if line.startswith("{"):
            records.append(json.loads(line))
    return records


def rates(records: list[dict[str, Any]]) -> dict[tuple[str, str], dict[str, float]]:
    """(bench, metric) -> impl -> value, for the throughput figures."""
    table: dict[tuple[str, str], dict[str, float]] = {key: {} for key in THROUGHPUT}
    for record in records:
        key = (record.get("bench", ""), record.get("metric", ""))
        if key not in table:
            continue
        row = table[key]
        if "impl" in record:
            if record.get("value") is not None:
                row[record["impl"]] = record["value"]
            continue
        if record.get("actorkit") is not None:
            row["actorkit"] = record["actorkit"]
        if record.get("baseline") is not None and record.get("baseline_is") == RAW:
            row["raw asyncio"] = record["baseline"]
    return {key: row for key, row in table.items() if row}


def targets(records: list[dict[str, Any]]) -> list[Target]:
    found: dict[str, Target] = {}
    for record in records:
        if "impl" in record or record.get("target") is None:
            continue
        absolute = record.get("target_on") == "value"
        value = record.get("actorkit") if absolute else record.get("ratio")
        if value is None:
            continue
        label = f"{record['bench']}.{record['metric']}"
        found[label] = Target(
            label,
            value,
            record["target"],
            record["higher_is_better"],
            record["unit"] if absolute else "x",
        )
    return list(found.values())


def draw(records: list[dict[str, Any]], output: Path, title: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    table = rates(records)
    goals = targets(records)
    figure, (top, middle, bottom) = plt.subplots(
        3, 1, figsize=(13, 16), gridspec_kw={"height_ratios": [1.1, 0.8, 1.2]}
    )
    draw_savina(middle, savina_ratios(records))
    figure.suptitle(title, fontsize=13)

    impls = [impl for impl in IMPLS if any(impl in row for row in table.values())]
    width = 0.8 / max(len(impls), 1)
    for i, impl in enumerate(impls):
        xs = [g + (i - (len(impls) - 1) / 2) * width for g, row in enumerate(table.values())]
        heights = [row.get(impl, 0.0) for row in table.values()]
        bars = top.bar(xs, heights, width, label=impl, color=COLORS[impl])
        for bar, height in zip(bars, heights, strict=True):
            if height:
                top.annotate(
                    _short(height),
                    (bar.get_x() + bar.get_width() / 2, height),
                    ha="center",
                    va="bottom",
                    fontsize=6.5,
                    rotation=90,
                    xytext=(0, 2),
                    textcoords="offset points",
                )
    top.set_yscale("log")
    top.set_xticks(range(len(table)))
    top.set_xticklabels(
        [
            f"{bench if metric == 'rate' else f'{bench} {metric}'}\n"
            f"({_unit(records, bench, metric)})"
            for bench, metric in table
        ],
        fontsize=8,
    )
    top.set_ylabel("per second (log scale)")
    top.set_title("Throughput: higher is better")
    top.legend(loc="upper right", fontsize=8, ncols=len(impls))
    top.grid(axis="y", which="both", alpha=0.25)
    top.set_ylim(top=top.get_ylim()[1] * 4)

    ys = range(len(goals))
    margins = [goal.margin for goal in goals]
    colors = ["#2ca02c" if margin >= 1 else "#d62728" for margin in margins]
    bottom.barh(list(ys), margins, color=colors, left=0)
    bottom.axvline(1.0, color="black", linewidth=1)
    bottom.set_xscale("log")
    ticks = [0.125, 0.25, 0.5, 1, 2, 4, 8, 16, 32]
    bottom.set_xticks(ticks, [f"{tick:g}" for tick in ticks])
    bottom.minorticks_off()
    bottom.set_yticks(list(ys))
    bottom.set_yticklabels([goal.label for goal in goals], fontsize=8)
    bottom.invert_yaxis()
    for y, goal in zip(ys, goals, strict=True):
        sign = ">=" if goal.higher_is_better else "<="
        unit = "" if goal.unit == "x" else f" {goal.unit}"
        what = "ratio" if goal.unit == "x" else "value"
        bottom.annotate(
            f"{what} {goal.value:.3g}{unit}, target {sign} {goal.target:g}{unit}",
            (goal.margin, y),
            va="center",
            fontsize=7.5,
            xytext=(4, 0),
            textcoords="offset points",
        )
    low = min([*margins, 0.5])
    bottom.set_xlim(low / 1.5, max([*margins, 2.0]) * 6)
    bottom.set_xlabel("margin over the target (log): right of 1 passes")
    bottom.set_title("actorkit against its targets (ratio to the baseline, or absolute)")
    bottom.grid(axis="x", which="both", alpha=0.25)

    figure.tight_layout()
    output.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(output, dpi=110)
    plt.close(figure)


def savina_ratios(records: list[dict[str, Any]]) -> dict[str, dict[str, float]]:
    """Savina figure -> impl -> ratio to the hand-written asyncio version (higher is better)."""
    table: dict[str, dict[str, float]] = {}
    raw: dict[str, float] = {}
    for record in records:
        bench, metric = record.get("bench", ""), record.get("metric", "")
        if not bench.startswith("savina_") or not record.get("higher_is_better", True):
            continue
        label = bench.removeprefix("savina_") + ("" if metric == "rate" else f" {metric}")
        if "impl" in record:
            if record.get("value") is not None:
                table.setdefault(label, {})[record["impl"]] = record["value"]
        elif record.get("ratio") is not None and record.get("baseline_is") == RAW:
            table.setdefault(label, {})["actorkit"] = record["ratio"]
            raw[label] = record["baseline"]
    for label, row in table.items():  # --compare gives rates: as ratios to the same baseline
        for impl in [impl for impl in row if impl != "actorkit"]:
            row[impl] = row[impl] / raw[label] if label in raw else 0.0
    return {label: row for label, row in table.items() if "actorkit" in row}


def draw_savina(axis: Any, table: dict[str, dict[str, float]]) -> None:
    impls = [impl for impl in IMPLS if any(row.get(impl) for row in table.values())]
    width = 0.8 / max(len(impls), 1)
    for i, impl in enumerate(impls):
        ys = [g + (i - (len(impls) - 1) / 2) * width for g in range(len(table))]
        ratios = [row.get(impl, 0.0) for row in table.values()]
        axis.barh(ys, ratios, width, label=impl, color=COLORS[impl])
        for y, ratio in zip(ys, ratios, strict=True):
            if ratio:
                axis.annotate(f"{ratio:.2f}", (ratio, y), va="center", fontsize=7, xytext=(3, 0),
                              textcoords="offset points")  # fmt: skip
    axis.axvline(1.0, color="black", linewidth=1)
    axis.set_yticks(range(len(table)))
    axis.set_yticklabels(list(table), fontsize=8)
    axis.invert_yaxis()
    axis.set_xlabel("throughput / hand-written asyncio (1 = parity; right is faster)")
    axis.set_title("Savina workloads (issue 14)")
    axis.legend(loc="lower right", fontsize=8)
    axis.grid(axis="x", alpha=0.25)


def _unit(records: list[dict[str, Any]], bench: str, metric: str) -> str:
    for record in records:
        if record.get("bench") == bench and record.get("metric") == metric:
            return str(record.get("unit", ""))
    return ""


def _short(value: float) -> str:
    for scale, suffix in ((1e6, "M"), (1e3, "k")):
        if value >= scale:
            return f"{value / scale:.3g}{suffix}"
    return f"{value:.3g}"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.chart", description=__doc__)
    parser.add_argument("results", type=Path, help="JSON lines from the harness and --compare")
    parser.add_argument("-o", "--output", type=Path, default=Path("benchmarks/results.png"))
    parser.add_argument("--title", default="actorkit benchmarks (uvloop, same process)")
    args = parser.parse_args(argv)
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        print("the chart needs matplotlib: pip install -e '.[bench]'", file=sys.stderr)
        return 2
    records = read(args.results.read_text().splitlines())
    if not records:
        print(f"no JSON lines in {args.results}", file=sys.stderr)
        return 1
    draw(records, args.output, args.title)
    print(f"wrote {args.output}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
