"""One frame of `top`: an endpoint's `/actors` and `/metrics`, checked, drawn as a header of
totals over a table of actors."""

from __future__ import annotations

import math
import operator
import reprlib
from collections.abc import Iterator
from typing import Any

from prometheus_client.parser import text_string_to_metric_families
from rich.console import Group
from rich.table import Table
from rich.text import Text

from ._shown import escaped

NODE_FIELDS: dict[str, type] = {
    "path": str, "name": str, "class": str, "state": str, "mailbox_size": int,
    "processed": int, "restarts": int, "failures": int, "children": list,
}  # fmt: skip
"""What `render` reads of each `/actors` node."""

DRAWN = (
    "actorkit_messages_processed_total", "actorkit_actor_restarts_total",
    "actorkit_dead_letters_total", "actorkit_event_loop_lag_seconds_count",
    "actorkit_event_loop_lag_seconds_sum",
)  # fmt: skip
"""The samples the header sums and draws as counts (`_header`)."""


class NotAnEndpoint(ValueError):
    """A URL that answers, but not as an actorkit system does (another server, a proxy's
    error page): `top` says so and exits 1 rather than fail with a traceback."""


class Snapshot:
    """One poll of the endpoint: the tree, a few totals, and when it was taken. Both bodies
    are checked here, so that drawing a frame never meets a field it cannot show."""

    def __init__(self, tree: dict[str, Any], metrics_text: str, taken: float) -> None:
        if not (
            isinstance(tree, dict)
            and {"system", "healthy"} <= tree.keys()
            and _is_count(tree.get("total"))
            and isinstance(tree.get("actors"), list)
        ):
            raise NotAnEndpoint(
                "/actors did not answer an object with system, healthy, total, actors"
            )
        self.tree = tree
        for _, node in self.nodes():
            _check_node(node)
        self.taken = taken
        self.totals: dict[str, float] = {}
        self.families: set[str] = set()
        """What /metrics exports: a system with `metrics=False` exports none, and a total it
        lacks is unknown, not zero."""
        try:
            for family in text_string_to_metric_families(metrics_text):
                self.families.add(family.name)
                for sample in family.samples:
                    self.totals[sample.name] = self.totals.get(sample.name, 0.0) + sample.value
        except (ValueError, IndexError) as error:  # the parser's IndexError: a blank label name
            raise NotAnEndpoint(f"/metrics is not Prometheus text ({error})") from None
        for name in DRAWN:
            value = self.totals.get(name, 0.0)
            if not 0.0 <= value < math.inf:  # NaN too: the header draws each as a count
                raise NotAnEndpoint(f"/metrics gives {name} as {value}, not a count")

    def total(self, family: str, suffix: str) -> float | None:
        """The sum of the family's samples named `family + suffix` (`_total` of a counter,
        `_sum` of a histogram), or None when /metrics does not export the family."""
        if family not in self.families:
            return None
        return self.totals.get(family + suffix, 0.0)

    def nodes(self) -> Iterator[tuple[int, dict[str, Any]]]:
        def walk(node: dict[str, Any], depth: int) -> Iterator[tuple[int, dict[str, Any]]]:
            yield depth, node
            for child in node["children"]:
                yield from walk(child, depth + 1)

        for node in self.tree["actors"]:
            yield from walk(node, 0)


def _is_count(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _check_node(node: object) -> None:
    if not isinstance(node, dict) or not all(
        isinstance(node.get(field), kind) for field, kind in NODE_FIELDS.items()
    ):
        raise NotAnEndpoint(
            f"an /actors node lacks one of {', '.join(NODE_FIELDS)}: {reprlib.repr(node)}"
        )


ROWS = 40
"""Actors shown: also all that is asked of `/actors`, so watching a system of 100,000 actors
costs it forty nodes a second, not the whole tree."""

UNKNOWN = "—"
"""Shown for a total /metrics does not export, so that no missing figure reads as a zero."""


def _header(now: Snapshot) -> Text:
    """Names from the endpoint go in as `Text`, never as markup: an actor, class or system
    name may hold `[`, and rich would read `[red]` as a style, or fail on `[/]`. The actor
    count is /actors' `total`, exported with or without metrics."""
    health = "[green]healthy[/]" if now.tree["healthy"] else "[red]UNHEALTHY[/]"

    def counter(family: str) -> str:
        value = now.total(f"actorkit_{family}", "_total")
        return UNKNOWN if value is None else f"{int(value):,}"

    lag_count = now.total("actorkit_event_loop_lag_seconds", "_count")
    lag_sum = now.total("actorkit_event_loop_lag_seconds", "_sum") or 0.0
    lag = f"{lag_sum / lag_count * 1000:.2f} ms" if lag_count else UNKNOWN
    return Text.assemble(
        (escaped(str(now.tree["system"])), "bold"),
        Text.from_markup(
            f"  {health}  "
            f"actors {now.tree['total']:,}  "
            f"processed {counter('messages_processed')}  "
            f"restarts {counter('actor_restarts')}  "
            f"dead letters {counter('dead_letters')}  "
            f"mean loop lag {lag}"
        ),
    )


def _counts(node: dict[str, Any]) -> tuple[int, int, int]:
    """What an actor only ever adds to: lower at a path than the frame before, it is another
    actor there (a path is all `/actors` tells two actors apart by)."""
    return node["processed"], node["restarts"], node["failures"]


def render(now: Snapshot, before: Snapshot | None, limit: int = ROWS) -> Group:
    elapsed = (now.taken - before.taken) if before is not None else 0.0
    previous = {n["path"]: _counts(n) for _, n in before.nodes()} if before else {}
    table = Table(expand=True, header_style="bold")
    for column, justify in [("path", "left"), ("class", "left"), ("state", "left"),
                            ("mailbox", "right"), ("processed", "right"), ("msgs/s", "right"),
                            ("restarts", "right"), ("failures", "right")]:  # fmt: skip
        table.add_column(column, justify=justify)  # type: ignore[arg-type]
    more = bool(now.tree.get("truncated"))  # the endpoint held back the rest of the tree
    for shown, (depth, node) in enumerate(now.nodes()):
        if shown >= limit:
            more = True
            break
        rate = ""
        seen, counts = previous.get(node["path"]), _counts(node)
        # A count below the one seen: a new actor at that path, counting from 0, as yet
        # without a rate.
        if elapsed > 0 and seen is not None and all(map(operator.ge, counts, seen)):
            rate = f"{(counts[0] - seen[0]) / elapsed:,.0f}"
        state = node["state"]
        style = "green" if state == "running" else "yellow" if state != "stopped" else "red"
        table.add_row(
            Text("  " * depth + escaped(node["name"])),
            Text(escaped(node["class"])),
            Text(escaped(state), style=style),
            str(node["mailbox_size"]),
            f"{node['processed']:,}",
            rate,
            str(node["restarts"]),
            str(node["failures"]),
        )
    if more:
        table.add_row("…", *[""] * (len(table.columns) - 1))
    return Group(_header(now), table)
