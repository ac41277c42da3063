"""The HTTP endpoint over real sockets with a real client (API 7, 9)."""

from __future__ import annotations

import asyncio
import json
import shutil
from typing import Any

import aiohttp
import pytest
from prometheus_client.parser import text_string_to_metric_families

from actorkit import Actor, ActorSystem, OneForOne
from actorkit._http_auth import BasicAuth, BearerAuth
from actorkit._tree import MAX_DEPTH
from actorkit.testing import ManualClock, actor_tree


class Echo(Actor):
    async def receive(self, message: Any) -> Any:
        if message == "crash":
            raise ValueError("crash on purpose")
        return message


async def fetch(url: str, **kwargs: Any) -> tuple[int, str]:
    async with aiohttp.ClientSession() as session, session.get(url, **kwargs) as response:
        return response.status, await response.text()


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    found = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            found[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return found


def value(text: str, name: str, **labels: str) -> float:
    return samples(text).get((name, tuple(sorted(labels.items()))), 0.0)


async def test_metrics_move_after_traffic_and_histograms_have_buckets() -> None:
    async with ActorSystem() as system:
        server = await system.serve_http(port=0)
        ref = await system.spawn(Echo, name="echo")
        _, before = await fetch(f"{server.url}/metrics")
        for i in range(20):
            ref.tell(i)
        assert await ref.ask("x") == "x"
        with pytest.raises(ValueError):
            await ref.ask("crash")
        await ref.ask("sync")
        system.publish("nobody.listens", 1)
        status, after = await fetch(f"{server.url}/metrics")
        assert status == 200
        processed = "actorkit_messages_processed_total"
        assert value(before, processed, actor_type="Echo") == 0
        assert value(after, processed, actor_type="Echo") == 22
        assert (
            value(after, "actorkit_actor_failures_total", actor_type="Echo", exception="ValueError")
            == 1
        )
        assert value(after, "actorkit_actor_restarts_total", actor_type="Echo") == 1
        assert value(after, "actorkit_asks_total", actor_type="Echo", outcome="ok") == 2
        assert value(after, "actorkit_asks_total", actor_type="Echo", outcome="error") == 1
        assert value(after, "actorkit_dead_letters_total", reason="no_subscribers") == 1
        assert value(after, "actorkit_actors", actor_type="Echo", state="running") == 1
        buckets = [
            k for k in samples(after) if k[0] == "actorkit_message_processing_seconds_bucket"
        ]
        assert len(buckets) > 10
        assert value(after, "actorkit_message_processing_seconds_count", actor_type="Echo") == 22
        assert (
            value(after, "actorkit_message_processing_seconds_bucket", actor_type="Echo", le="+Inf")
            == 22
        )
        assert value(after, "actorkit_ask_seconds_count", actor_type="Echo") == 3


async def test_unnamed_actors_add_no_per_instance_series() -> None:
    async with ActorSystem() as system:
        server = await system.serve_http(port=0)
        await system.spawn(Echo)
        _, one = await fetch(f"{server.url}/metrics")
        for _ in range(1000):
            await system.spawn(Echo)
        _, many = await fetch(f"{server.url}/metrics")
        # A busy machine may stall the loop once meanwhile (a series by cause, not instance).
        blocked = "actorkit_event_loop_blocked_total"
        assert {k for k in samples(many) if k[0] != blocked} == {
            k for k in samples(one) if k[0] != blocked
        }
        assert value(many, "actorkit_actors", actor_type="Echo", state="running") == 1001
        assert "$" not in many


async def test_actors_shows_the_tree_with_counts_and_restarts() -> None:
    class Parent(Actor):
        async def on_start(self) -> None:
            await self.spawn(Echo, name="child")

    async with ActorSystem("tree") as system:
        server = await system.serve_http(port=0)
        await system.spawn(Parent, name="parent")
        child = system.lookup("/parent/child")
        assert child is not None
        with pytest.raises(ValueError):
            await child.ask("crash")
        await child.ask({"secret": "never shown"})
        status, body = await fetch(f"{server.url}/actors")
        assert status == 200
        tree = json.loads(body)
        assert tree["system"] == "tree"
        assert tree["healthy"] is True
        parent = tree["actors"][0]
        assert (parent["path"], parent["class"], parent["state"]) == (
            "/parent",
            "Parent",
            "running",
        )
        node = parent["children"][0]
        assert node["path"] == "/parent/child"
        assert node["restarts"] == 1
        assert node["failures"] == 1
        assert node["processed"] == 1
        assert (node["accepted"], node["crashed"], node["dead_lettered"]) == (2, 1, 0)
        assert set(node) == {
            "path",
            "name",
            "class",
            "state",
            "mailbox_size",
            "processed",
            "failures",
            "restarts",
            "accepted",
            "crashed",
            "dead_lettered",
            "children_count",
            "children",
        }
        assert "secret" not in body


async def test_actors_takes_a_subtree_and_a_node_limit_and_refuses_bad_ones() -> None:
    class Branch(Actor):
        async def on_start(self) -> None:
            for i in range(3):
                await self.spawn(Echo, name=f"leaf{i}")

    async with ActorSystem("big") as system:
        server = await system.serve_http(port=0)
        for i in range(3):
            await system.spawn(Branch, name=f"b{i}")
        _, body = await fetch(f"{server.url}/actors")
        whole = json.loads(body)
        assert (whole["total"], whole["truncated"]) == (12, False)
        assert [len(b["children"]) for b in whole["actors"]] == [3, 3, 3]

        _, body = await fetch(f"{server.url}/actors", params={"limit": "5"})
        limited = json.loads(body)
        assert limited["truncated"] is True
        first = limited["actors"][0]  # depth-first, in start order: b0, its 3 leaves, b1
        assert [n["path"] for n in first["children"]] == ["/b0/leaf0", "/b0/leaf1", "/b0/leaf2"]
        second = limited["actors"][1]
        assert (second["path"], second["children_count"], second["children"]) == ("/b1", 3, [])
        assert len(limited["actors"]) == 2

        _, body = await fetch(f"{server.url}/actors", params={"path": "/b2", "limit": "2"})
        sub = json.loads(body)
        assert [n["path"] for n in sub["actors"]] == ["/b2"]
        assert [n["path"] for n in sub["actors"][0]["children"]] == ["/b2/leaf0"]

        for params, status, message in [
            ({"limit": "0"}, 400, "limit must be a whole number of nodes >= 1"),
            ({"limit": "ten"}, 400, "limit must be a whole number"),
            ({"path": "b2"}, 400, "path must be an actor path"),
            ({"depth": "1"}, 400, "unknown parameter 'depth'"),
            ({"path": "/nobody"}, 404, "no actor at '/nobody'"),
        ]:
            got, body = await fetch(f"{server.url}/actors", params=params)
            assert (got, json.loads(body)["error"][: len(message)]) == (status, message)


class Chain(Actor):
    """Each ask makes the next link of a supervision chain and answers its ref."""

    async def receive(self, message: Any) -> Any:
        return await self.spawn(Chain, name="c")


def depth_of(nodes: list[dict[str, Any]]) -> tuple[int, dict[str, Any]]:
    depth, node = 1, nodes[0]
    while node["children"]:
        depth, node = depth + 1, node["children"][0]
    return depth, node


async def test_a_chain_deeper_than_max_depth_answers_200_cut_at_max_depth() -> None:
    links = 1100  # past the recursion limit: a recursive walk or encoding fails long before
    async with asyncio.timeout(30), ActorSystem("deep") as system:
        server = await system.serve_http(port=0)
        ref = await system.spawn(Chain, name="c")
        for _ in range(links - 1):
            ref = await ref.ask("deeper")
        status, body = await fetch(f"{server.url}/actors")
        assert status == 200
        tree = json.loads(body)
        assert (tree["total"], tree["truncated"]) == (links, True)
        depth, deepest = depth_of(tree["actors"])
        assert depth == MAX_DEPTH
        assert (deepest["children_count"], deepest["children"]) == (1, [])

        # The levels below are one ?path= away, cut again MAX_DEPTH levels down.
        status, body = await fetch(f"{server.url}/actors", params={"path": deepest["path"]})
        assert status == 200
        below = json.loads(body)
        assert below["actors"][0]["path"] == deepest["path"]
        assert depth_of(below["actors"])[0] == MAX_DEPTH

        # Within MAX_DEPTH of the view's top, nothing is held back.
        last = "/c" * (links - MAX_DEPTH + 1)
        assert actor_tree(system, last)["truncated"] is False
        assert depth_of(actor_tree(system, last)["actors"])[0] == MAX_DEPTH


async def test_healthz_flips_to_503_after_a_root_failure(clock: ManualClock) -> None:
    system = await ActorSystem(clock=clock, supervisor=OneForOne(max_restarts=0)).start()
    server = await system.serve_http(port=0)
    status, body = await fetch(f"{server.url}/healthz")
    assert status == 200
    assert json.loads(body)["status"] == "ok"
    ref = await system.spawn(Echo)
    ref.tell("crash")
    await clock.advance(0)
    status, body = await fetch(f"{server.url}/healthz")
    assert status == 503
    assert json.loads(body)["status"] == "failed"
    await system.shutdown()
    assert system.failure is not None
    with pytest.raises(aiohttp.ClientConnectionError):
        await fetch(f"{server.url}/healthz")  # closed when the system exited


async def test_port_zero_picks_a_free_port_and_a_busy_port_is_named() -> None:
    async with ActorSystem() as system:
        server = await system.serve_http(port=0)
        assert server.port > 0
        assert server.host == "127.0.0.1"
        with pytest.raises(OSError, match=f"127.0.0.1:{server.port}.*already in use"):
            await system.serve_http(port=server.port)
        await server.close()
        await server.close()  # closing twice is harmless


async def test_endpoints_closed_by_their_owner_are_not_kept_and_the_rest_close_at_shutdown() -> (
    None
):
    async with ActorSystem() as system:
        for _ in range(3):
            await (await system.serve_http(port=0)).close()
        assert system._servers == []  # noqa: SLF001  # serving for ever keeps none closed
        kept = await system.serve_http(port=0)
        assert system._servers == [kept]  # noqa: SLF001
    with pytest.raises(aiohttp.ClientConnectionError):
        async with aiohttp.ClientSession() as session, session.get(f"{kept.url}/healthz"):
            pass


@pytest.mark.parametrize(
    ("auth", "good", "bad"),
    [
        ("s3cret", {"Authorization": "Bearer s3cret"}, {"Authorization": "Bearer nope"}),
        (BearerAuth("s3cret"), {"Authorization": "Bearer s3cret"}, {}),
        (("ops", "pw"), {"Authorization": "Basic b3BzOnB3"}, {"Authorization": "Basic b3BzOng="}),
        (BasicAuth("ops", "pw"), {"Authorization": "Basic b3BzOnB3"}, {"Authorization": "Basic !"}),
    ],
)
async def test_auth_answers_401_without_credentials(
    auth: Any, good: dict[str, str], bad: dict[str, str]
) -> None:
    async with ActorSystem() as system:
        server = await system.serve_http(port=0, auth=auth)
        for path in ("/metrics", "/healthz", "/actors"):
            assert (await fetch(f"{server.url}{path}"))[0] == 401
            assert (await fetch(f"{server.url}{path}", headers=bad))[0] == 401
            assert (await fetch(f"{server.url}{path}", headers=good))[0] == 200


async def test_bad_auth_and_port_arguments() -> None:
    async with ActorSystem() as system:
        with pytest.raises(TypeError, match="bearer token"):
            await system.serve_http(port=0, auth=42)
        with pytest.raises(ValueError, match="port"):
            await system.serve_http(port=70000)


async def test_non_loopback_without_auth_warns(caplog: pytest.LogCaptureFixture) -> None:
    async with ActorSystem() as system:
        server = await system.serve_http(host="0.0.0.0", port=0)
        await server.close()
    assert "without auth" in caplog.text


async def test_metrics_off_means_no_actorkit_series() -> None:
    async with ActorSystem(metrics=False) as system:
        server = await system.serve_http(port=0)
        ref = await system.spawn(Echo)
        await ref.ask(1)
        status, text = await fetch(f"{server.url}/metrics")
        assert status == 200
        assert "actorkit_" not in text


@pytest.mark.skipif(shutil.which("promtool") is None, reason="promtool not installed")
async def test_promtool_finds_nothing_wrong_with_a_busy_exposition() -> None:
    async with ActorSystem() as system:
        server = await system.serve_http(port=0)
        refs = [await system.spawn(Echo) for _ in range(10)]
        for ref in refs:
            for i in range(100):
                ref.tell(i)
        with pytest.raises(ValueError):
            await refs[0].ask("crash")
        system.publish("a.b", 1)
        await asyncio.gather(*(ref.ask("sync") for ref in refs))
        _, text = await fetch(f"{server.url}/metrics")
    promtool = await asyncio.create_subprocess_exec(
        "promtool", "check", "metrics",
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    async with asyncio.timeout(30):
        out, err = await promtool.communicate(text.encode())
    assert promtool.returncode == 0, (out + err).decode()
    assert out.strip() == b""
    assert err.strip() == b""
