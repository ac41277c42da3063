"""`python -m actorkit top [URL]`: a live terminal view of a running system, like Erlang's
observer or htop, built from its `/actors` and `/metrics` endpoints."""

from __future__ import annotations

import base64
import reprlib
import time
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import aiohttp
import anyio
from prometheus_client.parser import text_string_to_metric_families
from rich.console import Console, Group
from rich.live import Live
from rich.table import Table
from rich.text import Text

from ._http_auth import PASSWORD_VARIABLE, TOKEN_VARIABLE, USER_VARIABLE

NODE_FIELDS: dict[str, type] = {
    "path": str, "name": str, "class": str, "state": str, "mailbox_size": int,
    "processed": int, "restarts": int, "failures": int, "children": list,
}  # fmt: skip
"""What `render` reads of each `/actors` node."""


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
            and isinstance(tree.get("actors"), list)
        ):
            raise NotAnEndpoint("/actors did not answer an object with system, healthy, actors")
        self.tree = tree
        for _, node in self.nodes():
            _check_node(node)
        self.taken = taken
        self.totals: dict[str, float] = {}
        try:
            for family in text_string_to_metric_families(metrics_text):
                for sample in family.samples:
                    if sample.name.endswith(("_bucket", "_created")):
                        continue
                    self.totals[sample.name] = self.totals.get(sample.name, 0.0) + sample.value
        except ValueError as error:
            raise NotAnEndpoint(f"/metrics is not Prometheus text ({error})") from None

    def nodes(self) -> Iterator[tuple[int, dict[str, Any]]]:
        def walk(node: dict[str, Any], depth: int) -> Iterator[tuple[int, dict[str, Any]]]:
            yield depth, node
            for child in node["children"]:
                yield from walk(child, depth + 1)

        for node in self.tree["actors"]:
            yield from walk(node, 0)


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


async def fetch(session: aiohttp.ClientSession, url: str, limit: int = ROWS) -> Snapshot:
    async with session.get(f"{url}/actors", params={"limit": str(limit)}) as response:
        response.raise_for_status()
        try:
            tree = await response.json()
        except ValueError as error:  # JSON labelled as such, but broken
            raise NotAnEndpoint(f"/actors is not JSON ({error})") from None
    async with session.get(f"{url}/metrics") as response:
        response.raise_for_status()
        text = await response.text()
    return Snapshot(tree, text, time.monotonic())


def _header(now: Snapshot) -> Text:
    """Names from the endpoint go in as `Text`, never as markup: an actor, class or system
    name may hold `[`, and rich would read `[red]` as a style, or fail on `[/]`."""
    health = "[green]healthy[/]" if now.tree["healthy"] else "[red]UNHEALTHY[/]"
    totals = now.totals
    lag_count = totals.get("actorkit_event_loop_lag_seconds_count", 0.0)
    lag = totals.get("actorkit_event_loop_lag_seconds_sum", 0.0) / lag_count if lag_count else 0.0
    return Text.assemble(
        (str(now.tree["system"]), "bold"),
        Text.from_markup(
            f"  {health}  "
            f"actors {int(totals.get('actorkit_actors', 0))}  "
            f"processed {int(totals.get('actorkit_messages_processed_total', 0)):,}  "
            f"restarts {int(totals.get('actorkit_actor_restarts_total', 0))}  "
            f"dead letters {int(totals.get('actorkit_dead_letters_total', 0))}  "
            f"mean loop lag {lag * 1000:.2f} ms"
        ),
    )


def render(now: Snapshot, before: Snapshot | None, limit: int = ROWS) -> Group:
    elapsed = (now.taken - before.taken) if before is not None else 0.0
    previous = {n["path"]: n["processed"] for _, n in before.nodes()} if before else {}
    table = Table(expand=True, header_style="bold")
    for column, justify in [("path", "left"), ("class", "left"), ("state", "left"),
                            ("mailbox", "right"), ("msgs/s", "right"),
                            ("restarts", "right"), ("failures", "right")]:  # fmt: skip
        table.add_column(column, justify=justify)  # type: ignore[arg-type]
    more = bool(now.tree.get("truncated"))  # the endpoint held back the rest of the tree
    for shown, (depth, node) in enumerate(now.nodes()):
        if shown >= limit:
            more = True
            break
        rate = ""
        if elapsed > 0 and node["path"] in previous:
            rate = f"{(node['processed'] - previous[node['path']]) / elapsed:,.0f}"
        state = node["state"]
        style = "green" if state == "running" else "yellow" if state != "stopped" else "red"
        table.add_row(
            Text("  " * depth + node["name"]),
            Text(node["class"]),
            Text(state, style=style),
            str(node["mailbox_size"]),
            rate,
            str(node["restarts"]),
            str(node["failures"]),
        )
    if more:
        table.add_row("…", "", "", "", "", "", "")
    return Group(_header(now), table)


BASIC = f"{USER_VARIABLE} and {PASSWORD_VARIABLE}"


def authorization(token: str | None, user: str | None, password: str | None) -> str | None:
    """The `Authorization` header to send, from the environment's variables (blank is none, as
    for an empty variable); ValueError, never showing a credential, for what no endpoint
    could accept: one line of printable text each, the user without ':' (basic auth splits
    on it), both halves of basic auth, and one scheme, since an endpoint takes one."""
    given = {TOKEN_VARIABLE: token, USER_VARIABLE: user, PASSWORD_VARIABLE: password}
    for variable, value in given.items():
        if value is not None and value.strip() and not value.isprintable():
            raise ValueError(f"{variable} must be one line of printable text")
    token, user, password = (v if v is not None and v.strip() else None for v in given.values())
    if (user is None) != (password is None):
        raise ValueError(f"basic auth needs both {BASIC}: set the one missing")
    if user is None or password is None:
        return None if token is None else f"Bearer {token.strip()}"
    if token is not None:
        raise ValueError(f"set {TOKEN_VARIABLE} or {BASIC}, not both: an endpoint takes one")
    if ":" in user:
        raise ValueError(f"{USER_VARIABLE} must not contain ':': basic auth splits on it")
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


def _unreadable(error: Exception, sent: str | None) -> str:
    """Why a poll failed, and for a 401 what to set: the endpoint's challenge says which
    scheme it takes."""
    if isinstance(error, aiohttp.ClientResponseError) and error.status == 401:
        challenge = error.headers.get("WWW-Authenticate", "") if error.headers else ""
        if challenge.lower().startswith("basic"):
            if sent is None or not sent.startswith("Basic "):
                return f"401 Unauthorized: it takes basic auth: set {BASIC}"
            return f"401 Unauthorized: it refused the user and password in {BASIC}"
        if sent is None or not sent.startswith("Bearer "):
            return f"401 Unauthorized: set {TOKEN_VARIABLE} to the token it is served with"
        return f"401 Unauthorized: it refused the bearer token in {TOKEN_VARIABLE}"
    return str(error)


def _refused(url: str) -> str | None:
    """What `top` will not read, before anything is sent; the message never shows a
    credential."""
    if not url.startswith(("http://", "https://")):
        return f"{url} is not an http:// URL: pass one such as http://127.0.0.1:9464"
    netloc = urlsplit(url).netloc
    if "@" in netloc:
        bare = url.replace(netloc, netloc.rpartition("@")[2], 1)
        return (
            f"{bare}: put the user and password in {BASIC}, not in the URL: other users of "
            "the host can read a command line"
        )
    return None


async def top(
    url: str,
    interval: float,
    once: bool,
    console: Console | None = None,
    token: str | None = None,
    user: str | None = None,
    password: str | None = None,
) -> int:
    """`token` is sent as `Authorization: Bearer`, `user` and `password` as basic auth."""
    console = console or Console()
    url = url.rstrip("/")
    try:
        sent = authorization(token, user, password)
    except ValueError as error:
        console.print(Text(str(error), style="red"))
        return 1
    refused = _refused(url)
    if refused is not None:
        console.print(Text(refused, style="red"))
        return 1
    headers = {"Authorization": sent} if sent is not None else None
    timeout = aiohttp.ClientTimeout(total=5)
    async with aiohttp.ClientSession(timeout=timeout, headers=headers) as session:
        try:
            before = await fetch(session, url)
        except (aiohttp.ClientError, TimeoutError, NotAnEndpoint) as error:
            console.print(Text(f"cannot read {url}: {_unreadable(error, sent)}", style="red"))
            return 1
        if once:
            console.print(render(before, None))
            return 0
        with Live(render(before, None), console=console, refresh_per_second=4) as live:
            while True:
                await anyio.sleep(interval)
                try:
                    now = await fetch(session, url)
                except (aiohttp.ClientError, TimeoutError, NotAnEndpoint) as error:
                    live.update(Text(f"lost {url}: {_unreadable(error, sent)}", style="red"))
                    continue
                live.update(render(now, before))
                before = now
