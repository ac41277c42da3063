"""API.md sections 7 and 9 (HTTP, metrics, the demo): `serve_http`'s parameters and handle,
`/healthz` while a shutdown is under way, and the demo stopped by a signal as soon as it has
said where to scrape."""

from __future__ import annotations

import asyncio
import json
import signal
import subprocess
import sys
from typing import Any

import pytest

from actorkit import Actor, ActorSystem
from actorkit.testing import ManualClock, accepting

from .contract_support import assert_signature
from .http_support import fetch


def test_serve_http_takes_the_contract_s_parameters() -> None:
    assert_signature(ActorSystem.serve_http, "self, host='127.0.0.1', port=9464, auth=None")


class Holding(Actor):
    """Keeps a shutdown draining until the test lets its message finish."""

    def __init__(self, gate: asyncio.Event) -> None:
        self.gate = gate

    async def receive(self, message: Any) -> None:
        await self.gate.wait()


async def test_healthz_answers_503_while_shutting_down(clock: ManualClock) -> None:
    """API 7: `/healthz` is "503 after a root failure or while shutting down"."""
    gate = asyncio.Event()
    system = await ActorSystem(clock=clock).start()
    server = await system.serve_http(port=0)
    assert (server.host, server.port > 0) == ("127.0.0.1", True)
    holding = await system.spawn(Holding, gate)
    await holding.send("hold")
    status, body = await fetch(f"{server.url}/healthz")
    assert (status, json.loads(body)["status"]) == (200, "ok")
    shutdown = asyncio.create_task(system.shutdown())
    await asyncio.sleep(0)  # one turn: the shutdown begins and waits for the held message
    assert not accepting(system)
    status, body = await fetch(f"{server.url}/healthz")
    assert (status, json.loads(body)["status"]) == (503, "stopping")
    gate.set()
    await shutdown


@pytest.mark.parametrize("sent", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_the_demo_exits_0_on_a_signal_sent_once_it_printed_where_to_scrape(
    sent: signal.Signals,
) -> None:
    """API 9: the demo "prints the metrics URL on stdout at start and exits 0, without a
    traceback, ... on SIGINT/SIGTERM": a supervisor that signals it as soon as it has read
    that line must see it exit cleanly."""
    demo = subprocess.Popen(
        [sys.executable, "-m", "actorkit", "demo", "--duration", "60", "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert demo.stdout is not None
        first = demo.stdout.readline()
        assert first.startswith("metrics: http://127.0.0.1:")
        demo.send_signal(sent)
        _, err = demo.communicate(timeout=30)
    finally:
        demo.kill()
        demo.wait()
    assert demo.returncode == 0, err
    assert "Traceback" not in err
