"""What a system reaches across processes needs it started: a ref to another system made
before `start` would hold a transport that never linked, and fail only at its first send."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from actorkit import ActorSystem
from actorkit.nats import NatsTransport


@pytest.mark.parametrize(
    "reach",
    [lambda system: system.remote("other", "/a"), lambda system: system.remote_group("g")],
    ids=["remote", "remote_group"],
)
async def test_a_ref_to_another_system_needs_this_one_started(
    reach: Callable[[ActorSystem], Any],
) -> None:
    system = ActorSystem("idle", transport=NatsTransport(["nats://127.0.0.1:4222"]))
    with pytest.raises(RuntimeError, match=r"actor system 'idle' is not started"):
        reach(system)
