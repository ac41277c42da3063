"""Actor systems in separate OS processes (tests/nats_node.py) over one real nats-server:
pub-sub, asks and a shared pool across processes, and a server restart mid-run."""

from __future__ import annotations

import asyncio
import re
import signal
import socket
import sys

import aiohttp

from .nats_support import SAFETY, NatsServer, node, requires_nats
from .processes import process

DEVNULL = asyncio.subprocess.DEVNULL

pytestmark = requires_nats


async def test_three_processes_share_topics_asks_and_a_pool() -> None:
    server = NatsServer()
    server.start()
    try:
        async with (
            node(server.url, "alpha") as alpha,
            node(server.url, "beta") as beta,
            node(server.url, "gamma") as gamma,
        ):
            # pub-sub: every system's listener gets each publish once, the publisher's too
            assert await alpha.do("publish", topic="events.created", n=50) == {"local": 50}
            for each in (alpha, beta, gamma):
                assert await each.do("expect", count=50) == {"received": 50}

            # asks and tells to a named actor in another process, in order
            assert await alpha.do("tell", system="beta", n=30) == {"told": 30, "refused": 0}
            assert await alpha.do("ask", system="beta", timeout=5.0) == {
                "result": {"count": 30, "total": 30}
            }
            failed = await gamma.do("ask", system="beta", msg="nonsense", timeout=5.0)
            assert failed["error"] == "ValueError" and "nonsense" in failed["text"]
            hidden = await gamma.do("ask", system="beta", path="/listener", timeout=5.0)
            assert hidden["stopped"] and "not exposed" in hidden["text"]

            # the pool exposed as group "work" by all three: each job goes to one of them
            spread = (await alpha.do("group", n=120))["by"]
            assert sum(spread.values()) == 120
            assert len(spread) >= 2, spread  # random placement; all on one node is ~1e-21
            await beta.do("group_tell", n=90)
            served = 0
            async with asyncio.timeout(20):
                while served < 120 + 90:  # each query is a round trip, not a sleep
                    served = sum(
                        [(await each.do("served"))["served"] for each in (alpha, beta, gamma)]
                    )
            assert served == 210
    finally:
        server.stop()


async def test_tells_accepted_during_a_server_restart_are_delivered() -> None:
    server = NatsServer()
    server.start()
    try:
        async with (
            node(server.url, "sender", "--max-buffered", "200") as sender,
            node(server.url, "receiver") as receiver,
        ):
            assert await sender.do("tell", system="receiver", n=100) == {"told": 100, "refused": 0}
            assert await sender.do("ask", system="receiver", timeout=5.0) == {
                "result": {"count": 100, "total": 100}
            }
            server.stop()
            await sender.do("wait", link="down")
            await receiver.do("wait", link="down")
            failed = await sender.do("ask", system="receiver", timeout=5.0)
            assert failed["stopped"] and "not connected" in failed["text"]
            # buffered while NATS is down, up to the bound; the rest is refused (MailboxFull)
            assert await sender.do("tell", system="receiver", n=250) == {
                "told": 200,
                "refused": 50,
            }
            health = await sender.do("health")
            assert health["state"] == "reconnecting" and health["buffered"] == 200
            server.start()
            await sender.do("wait", link="up")
            # the ask queues behind the buffered tells, which wait for the receiver to be back
            assert await sender.do("ask", system="receiver", timeout=10.0) == {
                "result": {"count": 300, "total": 300}
            }
    finally:
        server.stop()


async def test_two_demo_nodes_share_their_translators() -> None:
    server = NatsServer()
    server.start()
    demo = (sys.executable, "-m", "actorkit", "demo", "--nats", server.url, "--duration", "20")
    try:
        async with (
            process(*demo, "--name", "east", "--port", "0", stderr=DEVNULL) as east,
            process(*demo, "--no-http", stderr=DEVNULL) as west,
        ):
            # west has no --name: it is named for its host and process, one NATS token
            west_name = re.sub(r"[^A-Za-z0-9_-]", "-", f"{socket.gethostname()}-{west.pid}")
            url = await line_matching(east, r"metrics: (http://\S+)/metrics")
            assert await line_matching(east, r"cluster: node (\S+) translated") == west_name
            assert await line_matching(west, r"cluster: node (\w+) translated") == "east"
            async with aiohttp.ClientSession() as session, session.get(f"{url}/metrics") as got:
                metrics = await got.text()
            served = re.search(r'actorkit_nats_messages_total\{direction="in"\} (\S+)', metrics)
            assert served is not None and float(served.group(1)) > 0
            for node_process in (east, west):
                node_process.send_signal(signal.SIGTERM)
                async with asyncio.timeout(SAFETY):
                    assert await node_process.wait() == 0
    finally:
        server.stop()


async def line_matching(proc: asyncio.subprocess.Process, pattern: str) -> str:
    assert proc.stdout is not None
    async with asyncio.timeout(SAFETY):
        while line := (await proc.stdout.readline()).decode():
            found = re.search(pattern, line)
            if found:
                return found.group(1)
    raise AssertionError(f"the demo exited without printing {pattern!r}")
