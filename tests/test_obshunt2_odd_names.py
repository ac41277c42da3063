"""Odd actor and class names, served: every `/actors` body is valid JSON that gives each
name back as spawned, `?path=` finds each actor by its path (whatever a URL would read into
it: `%41`, `?`, `&`, `#`, `+`, quotes, a backslash, non-ASCII), and `/metrics` parses with
each class's name back as its `actor_type` label. All held."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import aiohttp
from prometheus_client.parser import text_string_to_metric_families
from yarl import URL

from actorkit import Actor, ActorSystem

NAMES = (
    "q\"u'o\\te",
    "ünï😀€",
    "y" * 255,
    "<script>",
    "a b",
    "%41",
    "x?y=1&z",
    "h#frag",
    "p+plus",
    "s;semi",
    "...",
)
CLASS_NAMES = ('Q"uo\\te\n', "Ünï€😀", "\x1b[31mred", "C" * 2000)


class Node(Actor):
    async def on_start(self) -> None:
        if self.path.count("/") == 1:  # top-level
            await self.spawn(Node, name="kid")

    async def receive(self, message: Any) -> Any:
        return message


async def test_odd_names_are_served_as_valid_json_and_found_by_path() -> None:
    async with asyncio.timeout(15), ActorSystem() as system:
        server = await system.serve_http(port=0)
        for name in NAMES:
            await system.spawn(Node, name=name)
        async with aiohttp.ClientSession() as client:
            async with client.get(server.url + "/actors") as response:
                assert response.status == 200
                body = json.loads(await response.read())
            assert body["total"] == 2 * len(NAMES)
            assert sorted(node["name"] for node in body["actors"]) == sorted(NAMES)
            for name in NAMES:
                for path in (f"/{name}", f"/{name}/kid"):
                    url = URL(server.url).with_path("/actors").with_query({"path": path})
                    async with client.get(url) as response:
                        assert response.status == 200, (path, await response.text())
                        (node,) = json.loads(await response.read())["actors"]
                    assert node["path"] == path


async def test_odd_class_names_round_trip_through_actors_and_metrics() -> None:
    classes = [type(name, (Node,), {}) for name in CLASS_NAMES]
    async with asyncio.timeout(15), ActorSystem() as system:
        server = await system.serve_http(port=0)
        for cls in classes:
            ref = await system.spawn(cls)
            assert await ref.ask("hello") == "hello"
        async with aiohttp.ClientSession() as client:
            async with client.get(server.url + "/actors") as response:
                assert response.status == 200
                tree = json.loads(await response.read())
            async with client.get(server.url + "/metrics") as response:
                assert response.status == 200
                text = await response.text()
    assert sorted(node["class"] for node in tree["actors"]) == sorted(CLASS_NAMES)
    processed = {
        sample.labels["actor_type"]: sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
        if sample.name == "actorkit_messages_processed_total"
    }
    assert processed == {**dict.fromkeys(CLASS_NAMES, 1.0), "Node": 0.0}  # "Node": their kids
