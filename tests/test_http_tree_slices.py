"""/actors walks the tree a slice of nodes per loop turn, and still serves the whole tree: the
same bytes as `json.dumps` of `testing.actor_tree` when nothing changes meanwhile, and nodes
consistent with themselves and with their parents when actors start and stop during the walk
(docs/observability.md, "/actors")."""

from __future__ import annotations

import asyncio
import json
import logging
from collections import Counter
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import aiohttp
import pytest

from actorkit import Actor, ActorSystem
from actorkit import _metric_scrape as metric_scrape
from actorkit import _tree_body as tree_body
from actorkit._cell import Cell
from actorkit.persistence import DurableState, MemoryStore
from actorkit.testing import actor_tree

from .http_support import Echo, Idle, Turns, fetch

SLICE = 16
DOCS = Path(__file__).resolve().parent.parent / "docs" / "observability.md"
SLICES = (tree_body.SLICE, metric_scrape.SLICE)
"""The slices the code takes, read before the fixture below makes them small."""
FIELDS = {
    "path", "name", "class", "state", "mailbox_size", "processed", "failures", "restarts",
    "accepted", "crashed", "dead_lettered", "children_count", "children",
}  # fmt: skip


class Parent(Actor):
    """Spawns `n` children at its first message, then one more or one fewer at each."""

    async def receive(self, message: Any) -> Any:
        if isinstance(message, int):
            for _ in range(message):
                await self.spawn(Idle)
        elif message == "grow":
            await self.spawn(Idle)
        elif message == "shrink" and self.children:
            await self.children[0].stop()
        return len(self.children)


class Note(DurableState):
    async def receive(self, message: Any) -> Any:
        await self.save(message)


Odd = type('Odd "Ünïcode"', (Echo,), {})
"""A class name that JSON must escape, and that `json.dumps` writes as ASCII."""


def nodes(tree: list[dict[str, Any]]) -> list[dict[str, Any]]:
    found = []
    stack = list(tree)
    while stack:
        node = stack.pop()
        found.append(node)
        stack.extend(node["children"])
    return found


def test_the_docs_quote_the_slices_the_code_takes() -> None:
    said = " ".join(DOCS.read_text().split())
    nodes, actors = SLICES
    assert f"walked and written {nodes:,} nodes per loop turn" in said
    assert f"{actors:,} per loop turn" in said
    assert f"({actors:,} for `/metrics`, {nodes:,} nodes for `/actors`)" in said


@pytest.fixture(autouse=True)
def small_slices(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(tree_body, "SLICE", SLICE)


async def test_the_tree_is_served_whole_as_json_dumps_writes_it_over_many_slices() -> None:
    async with asyncio.timeout(30), ActorSystem("slices", store=MemoryStore()) as system:
        server = await system.serve_http(port=0)
        parents = [await system.spawn(Parent, name=f"p{i}") for i in range(5)]
        for i, parent in enumerate(parents):
            await parent.ask(10 * i)
        odd = await system.spawn(Odd, name="odd")
        with pytest.raises(ValueError):
            await odd.ask("crash")
        note = await system.spawn(Note, name="note", persistence_id="note-1")
        await note.ask("saved")
        for query in ("", "?limit=37", "?path=/p3", "?path=/note", "?limit=1000000"):
            status, body = await fetch(f"{server.url}/actors{query}")
            assert status == 200
            params = dict(p.split("=") for p in query[1:].split("&") if p)
            limit = int(params["limit"]) if "limit" in params else None
            expected = actor_tree(system, params.get("path"), limit)
            assert body == json.dumps(expected), query
        whole = json.loads((await fetch(f"{server.url}/actors"))[1])
        shown = nodes(whole["actors"])
        assert len(shown) == whole["total"] == 5 + 100 + 2 > 6 * SLICE
        assert whole["truncated"] is False
        [durable] = [node for node in shown if node["path"] == "/note"]
        assert (durable["persistence_id"], durable["sequence_nr"]) == ("note-1", 1)
        [escaped] = [node for node in shown if node["path"] == "/odd"]
        assert (escaped["class"], escaped["crashed"]) == ('Odd "Ünïcode"', 1)


async def test_no_loop_turn_reads_more_than_a_slice_of_nodes(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Each node's class is read once as it is written: noted with the turn it was read in."""
    read_in: list[int] = []
    class_name = vars(Cell)["class_name"].fget

    def noted(cell: Cell) -> str:
        read_in.append(turns.count)
        name: str = class_name(cell)
        return name

    async with asyncio.timeout(30), ActorSystem() as system:
        server = await system.serve_http(port=0)
        parent = await system.spawn(Parent, name="p")
        await parent.ask(10 * SLICE)
        turns = Turns()
        monkeypatch.setattr(Cell, "class_name", property(noted))
        status, body = await fetch(f"{server.url}/actors")
        monkeypatch.undo()
        turns.task.cancel()
    assert status == 200
    assert len(nodes(json.loads(body)["actors"])) == len(read_in) == 10 * SLICE + 1
    per_turn = Counter(read_in)
    assert max(per_turn.values()) <= SLICE, per_turn
    assert len(per_turn) >= len(read_in) // SLICE


async def test_a_child_that_stops_before_the_walk_reaches_it_is_left_out(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Its parent was read with it (`children_count`), and the walk then yields: its stop
    there leaves it out of the list, which shows no stopped actor."""
    async with asyncio.timeout(30), ActorSystem() as system:
        server = await system.serve_http(port=0)
        parent = await system.spawn(Parent, name="p")
        await parent.ask(2 * SLICE)
        newest = actor_tree(system, "/p")["actors"][0]["children"][-1]
        last = system.lookup(newest["path"])  # read in the walk's second slice
        assert last is not None
        yielded = asyncio.sleep

        async def stop_it_then_yield(delay: float) -> None:
            if last.is_alive:
                await last.stop()
            await yielded(delay)

        monkeypatch.setattr(tree_body, "asyncio", SimpleNamespace(sleep=stop_it_then_yield))
        status, body = await fetch(f"{server.url}/actors")
    assert status == 200
    [shown] = json.loads(body)["actors"]
    assert shown["children_count"] == 2 * SLICE
    listed = [child["path"] for child in shown["children"]]
    assert len(listed) == 2 * SLICE - 1
    assert last.path not in listed


async def test_actors_starting_and_stopping_during_the_walk_leave_every_node_consistent() -> None:
    async with asyncio.timeout(30), ActorSystem() as system:
        server = await system.serve_http(port=0)
        parents = [await system.spawn(Parent, name=f"p{i}") for i in range(4)]
        for parent in parents:
            await parent.ask(8 * SLICE)
        steady = {f"/p{i}" for i in range(4)}
        stop = asyncio.Event()

        async def churn() -> int:
            changes = 0
            while not stop.is_set():
                for parent in parents:
                    await parent.ask("shrink" if changes % 2 else "grow")
                changes += 1
            return changes

        churning = asyncio.create_task(churn())
        bodies = [(await fetch(f"{server.url}/actors"))[1] for _ in range(3)]
        stop.set()
        assert await churning > 3  # the tree changed while it was walked
    for body in bodies:
        tree = json.loads(body)
        assert tree["truncated"] is False
        shown = nodes(tree["actors"])
        paths = [node["path"] for node in shown]
        assert len(paths) == len(set(paths))
        assert steady <= set(paths)
        for node in shown:
            assert set(node) >= FIELDS
            ended = node["processed"] + node["crashed"] + node["dead_lettered"]
            assert node["accepted"] - ended - node["mailbox_size"] in (0, 1)  # 1: in hand
            assert len(node["children"]) <= node["children_count"]
            for child in node["children"]:
                assert child["path"] == f"{node['path']}/{child['name']}"


async def test_head_gets_the_length_of_the_tree_and_no_body() -> None:
    """The body is written piece by piece: a HEAD must still get none of it, or the client
    would read the tree as the next response on that connection."""
    async with asyncio.timeout(30), ActorSystem() as system:
        server = await system.serve_http(port=0)
        parent = await system.spawn(Parent, name="p")
        await parent.ask(3 * SLICE)
        async with aiohttp.ClientSession() as session:
            async with session.head(f"{server.url}/actors") as head:
                assert head.status == 200
                assert await head.read() == b""
                length = int(head.headers["Content-Length"])
            async with session.get(f"{server.url}/actors") as get:  # the same connection
                body = await get.read()
    assert len(body) == length
    assert json.loads(body)["total"] == 3 * SLICE + 1


async def test_a_client_that_leaves_during_the_body_is_let_go_quietly(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A body larger than the socket buffers: the client reads its start and leaves. The
    writes that follow fail, as aiohttp's own do for a client gone, without an error log."""
    async with asyncio.timeout(30), ActorSystem() as system:
        server = await system.serve_http(port=0)
        parents = [await system.spawn(Parent, name=f"p{i}") for i in range(10)]
        await asyncio.gather(*(parent.ask(4_000) for parent in parents))
        reader, writer = await asyncio.open_connection(server.host, server.port)
        writer.write(b"GET /actors HTTP/1.1\r\nHost: test\r\n\r\n")
        assert (await reader.readexactly(12)) == b"HTTP/1.1 200"
        writer.transport.abort()
        status, body = await fetch(f"{server.url}/actors?limit=1")
        assert status == 200
        assert json.loads(body)["total"] == 40_010
        await system.shutdown()
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR], caplog.text
