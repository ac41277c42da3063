"""How `/healthz` reads the transport's link: a lost or partly joined link is `degraded` and
still 200 (the client reconnects by itself), a link closed for good is 503 `disconnected`
(docs/distributed.md, Observability). Read from a stand-in link, so no NATS server is needed."""

from __future__ import annotations

import json
from typing import Any, cast

import pytest

from actorkit import ActorSystem, OneForOne
from actorkit._http_endpoints import _Endpoints
from actorkit._transport import Transport
from actorkit.testing import ManualClock

from .http_support import Echo


def endpoints(system: ActorSystem, link: Link) -> _Endpoints:
    root = system._running_root("serve_http")  # noqa: SLF001  # what serve_http hands its endpoints
    return _Endpoints(system, root, cast(Transport, link))


class Link:
    def __init__(self, state: str, failed_groups: list[str]) -> None:
        self.state = state
        self.failed_groups = failed_groups

    def health(self) -> dict[str, Any]:
        return {"state": self.state, "failed_groups": self.failed_groups}


@pytest.mark.parametrize(
    ("state", "failed_groups", "code", "status"),
    [
        ("connected", [], 200, "ok"),
        ("connected", ["g"], 200, "degraded"),
        ("reconnecting", [], 200, "degraded"),
        ("closed", [], 503, "disconnected"),
    ],
)
async def test_healthz_reads_the_link(
    state: str, failed_groups: list[str], code: int, status: str
) -> None:
    async with ActorSystem() as system:
        response = await endpoints(system, Link(state, failed_groups)).healthz(cast(Any, None))
        body = json.loads(cast(str, response.text))
        assert (response.status, body["status"]) == (code, status)
        assert body["transport"] == {"state": state, "failed_groups": failed_groups}


@pytest.mark.parametrize("state", ["reconnecting", "closed"])
async def test_a_failed_system_stays_503_failed_whatever_its_link(
    clock: ManualClock, state: str
) -> None:
    system = await ActorSystem(clock=clock, supervisor=OneForOne(max_restarts=0)).start()
    try:
        served = endpoints(system, Link(state, []))
        ref = await system.spawn(Echo)
        ref.tell("crash")
        await clock.advance(0)
        response = await served.healthz(cast(Any, None))
        body = json.loads(cast(str, response.text))
        assert (response.status, body["status"]) == (503, "failed")
    finally:
        await system.shutdown()
