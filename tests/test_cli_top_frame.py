"""What `top` renders: a running system's tree, names as written, unknown counts and rates."""

from __future__ import annotations

import asyncio
import io
import sys
from typing import Any

import pytest
from rich.console import Console

from actorkit import Actor, ActorSystem
from actorkit._top_frame import Snapshot, render
from actorkit.testing import actor_tree


class Busy(Actor):
    async def on_start(self) -> None:
        await self.spawn(Busy if self.parent is None else Leaf, name="child")

    async def receive(self, message: Any) -> Any:
        return message


class Leaf(Actor):
    pass


async def test_top_renders_a_frame_of_a_running_system() -> None:
    async with ActorSystem("observed") as system:
        server = await system.serve_http(port=0)
        await system.spawn(Busy, name="busy")
        top = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "actorkit", "top", server.url, "--once",
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
            env={"COLUMNS": "120", "PATH": ""},
        )  # fmt: skip
        async with asyncio.timeout(30):
            out, err = await top.communicate()
    assert top.returncode == 0, err.decode()
    assert err == b""
    frame = out.decode()
    assert "observed" in frame
    assert "healthy" in frame
    for name in ("busy", "child", "Busy", "Leaf", "running"):
        assert name in frame


async def test_top_shows_names_with_brackets_as_written() -> None:
    async def receive(self: Actor, message: Any) -> Any:
        return message

    async with asyncio.timeout(10), ActorSystem("sys[bold]") as system:
        await system.spawn(type("Plain", (Actor,), {"receive": receive}), name="[red]job[7]")
        await system.spawn(type("Gen[/]", (Actor,), {"receive": receive}), name="queue[bold]")
        frame = Snapshot(actor_tree(system), "", 0.0)
    console = Console(record=True, width=120, file=io.StringIO())
    console.print(render(frame, None))
    shown = console.export_text()
    for written in ("sys[bold]", "[red]job[7]", "Plain", "queue[bold]", "Gen[/]"):
        assert written in shown


class Echo(Actor):
    async def receive(self, message: Any) -> Any:
        return message


@pytest.mark.parametrize("metrics", [False, True])
async def test_top_shows_what_metrics_do_not_export_as_unknown_not_zero(metrics: bool) -> None:
    from prometheus_client import generate_latest

    async with asyncio.timeout(10), ActorSystem("counted", metrics=metrics) as system:
        echo = await system.spawn(Echo, name="echo")
        for n in range(10):
            await echo.ask(n)
        exported = generate_latest(system.metrics.registry).decode() if metrics else ""
        frame = Snapshot(actor_tree(system), exported, 0.0)
    console = Console(record=True, width=200, file=io.StringIO())
    console.print(render(frame, None))
    header, *table = console.export_text().splitlines()
    assert "actors 1 " in header  # /actors' total, with or without metrics
    if metrics:
        assert "processed 10 " in header and "dead letters 0 " in header
    else:
        for unknown in ("processed —", "restarts —", "dead letters —", "mean loop lag —"):
            assert unknown in header
    [row] = [line for line in table if "echo" in line]
    assert row.split("│")[5].strip() == "10"  # its own processed count, from /actors


async def test_top_shows_no_negative_rate_for_an_actor_replaced_at_its_path() -> None:
    """A stopped actor and a new one of the same name share a path, not a count: the new
    one's lower `processed` is no negative rate; it has no rate yet, as an actor at a path
    not seen before."""
    async with asyncio.timeout(10), ActorSystem("replaced") as system:
        echo = await system.spawn(Echo, name="echo")
        for n in range(10):
            await echo.ask(n)
        before = Snapshot(actor_tree(system), "", 0.0)
        await echo.stop()
        await (await system.spawn(Echo, name="echo")).ask(0)
        now = Snapshot(actor_tree(system), "", 1.0)
    console = Console(record=True, width=200, file=io.StringIO())
    console.print(render(now, before))
    [row] = [line for line in console.export_text().splitlines() if "echo" in line]
    assert row.split("│")[6].strip() == ""  # msgs/s
