"""How much an outage of NATS writes to the log: its first failed attempt per connection and a
few warnings that it goes on, at WARNING; every other attempt at DEBUG; the reconnection at
INFO. Each connection tries again every `reconnect_time_wait`, so a warning per attempt was
thousands of lines for an outage of minutes."""

from __future__ import annotations

import asyncio
import logging
from types import SimpleNamespace
from typing import Any

import pytest
from nats.errors import ServerNotInPoolError

from actorkit import ActorSystem
from actorkit._nats._heard import Heard

from .nats_support import NatsServer, requires_nats, transport


class _Reconnecting:
    is_connected = False
    is_reconnecting = True


def _heard(back_calls: list[str], topics: bool = False) -> Heard:
    async def back() -> None:
        back_calls.append("back")

    system: Any = SimpleNamespace(name="a", loop=asyncio.get_running_loop())
    nc: Any = _Reconnecting()
    return Heard(nc, system, topics, back)


def _by_level(caplog: pytest.LogCaptureFixture) -> dict[int, list[str]]:
    levels: dict[int, list[str]] = {logging.DEBUG: [], logging.INFO: [], logging.WARNING: []}
    for record in caplog.records:
        levels[record.levelno].append(record.getMessage())
    return levels


async def test_an_outage_warns_at_its_first_failure_and_then_rarely(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG, "actorkit")
    calls: list[str] = []
    heard = _heard(calls)
    for _ in range(1000):
        await heard.error_cb(ConnectionRefusedError(111, "Connect call failed"))
    levels = _by_level(caplog)
    first, *goes_on = levels[logging.WARNING]
    assert "NATS error in a: ConnectionRefusedError" in first and "DEBUG" in first
    assert len(goes_on) == 3  # after 10, 100 and 1,000 attempts
    assert all("still cannot reconnect to NATS after" in line for line in goes_on)
    assert "after 1000 attempts" in goes_on[-1]
    assert len(levels[logging.DEBUG]) == 1000 - 4
    await heard.reconnected()
    assert calls == ["back"]
    assert levels[logging.INFO] == []
    assert _by_level(caplog)[logging.INFO] == ["a reconnected to NATS after 1000 failed attempts"]


async def test_the_next_outage_warns_again(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, "actorkit")
    heard = _heard([], topics=True)
    for _ in range(3):
        for _ in range(5):
            await heard.error_cb(ConnectionRefusedError(111, "refused"))
        await heard.reconnected()
    warned = [r.getMessage() for r in caplog.records]
    assert len(warned) == 3
    assert all(line.startswith("NATS error in a (topics connection):") for line in warned)


@requires_nats
async def test_a_real_outage_logs_each_connection_once(
    own: NatsServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, "actorkit")
    link = transport(own)
    async with ActorSystem("outage", transport=link):
        own.stop()
        await link.link_down.wait()
        own.start()
        await link.link_up.wait()
    errors = [r.getMessage() for r in caplog.records if "NATS error in" in r.getMessage()]
    for where in ("outage:", "outage (topics connection):"):
        # The error that ended the connection (reported while it still counted as connected)
        # and the outage's first failed attempt, if the server was not back by then.
        mine = [line for line in errors if line.startswith(f"NATS error in {where}")]
        assert len(mine) <= 2, mine
        assert sum("retrying until it reconnects" in line for line in mine) <= 1, mine
    back = [r for r in caplog.records if "reconnected to NATS" in r.getMessage()]
    assert back and {r.levelno for r in back} == {logging.INFO}


async def test_a_new_kind_of_error_in_an_outage_is_a_warning(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The server came back with other credentials, or its certificate changed: a failure
    unlike the outage's first is news the operator needs, not a DEBUG line."""
    caplog.set_level(logging.WARNING, "actorkit")
    heard = _heard([])
    for _ in range(3):
        await heard.error_cb(ConnectionRefusedError(111, "refused"))
    for _ in range(3):
        await heard.error_cb(TimeoutError())
    warned = [r.getMessage() for r in caplog.records]
    assert len(warned) == 2
    assert "now TimeoutError" in warned[1] and "attempt 4" in warned[1]


async def test_a_reconnection_without_a_failed_attempt_says_so(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, "actorkit")
    heard = _heard([])
    await heard.reconnected()
    assert [r.getMessage() for r in caplog.records] == [
        "a reconnected to NATS at its first attempt"
    ]


class _Reconnection:
    """nats-py's client as its reconnection task sees it."""

    is_connected = False
    is_reconnecting = True
    _transport = None

    def __init__(self) -> None:
        self._reconnection_task = asyncio.current_task()
        self.last_error: Exception | None = None


async def test_the_lost_connection_failing_to_close_is_no_failed_attempt(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """nats-py reports it from its reconnection before the first attempt, without recording
    it as the last error; an attempt's own error it records first."""
    caplog.set_level(logging.INFO, "actorkit")
    nc: Any = _Reconnection()
    heard = _heard([])
    heard.nc = nc
    await heard.error_cb(ConnectionResetError(104, "reset by peer"))
    assert heard.failures == 0
    refused = ConnectionRefusedError(111, "Connect call failed")
    nc.last_error = refused
    await heard.error_cb(refused)
    assert heard.failures == 1
    await heard.reconnected()
    said = [r.getMessage() for r in caplog.records]
    assert "ConnectionResetError" in said[0] and "while it reconnects" in said[0]
    assert said[-1] == "a reconnected to NATS after 1 failed attempts"


async def test_an_error_of_the_reconnection_that_recurs_each_attempt_warns_once_an_outage(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A `reconnect_to_server_handler` naming a server not in the pool makes nats-py report
    `ServerNotInPoolError` before every attempt: at WARNING once an outage, then at DEBUG, as
    the attempts' own failures are, or an outage of minutes writes thousands of warnings."""
    caplog.set_level(logging.DEBUG, "actorkit")
    nc: Any = _Reconnection()
    heard = _heard([])
    heard.nc = nc
    for _ in range(3):
        await heard.error_cb(ServerNotInPoolError())
    await heard.reconnected()
    await heard.error_cb(ServerNotInPoolError())  # the next outage's is news again
    levels = _by_level(caplog)
    warned = [line for line in levels[logging.WARNING] if "ServerNotInPoolError" in line]
    assert len(warned) == 2, levels
    assert len([line for line in levels[logging.DEBUG] if "ServerNotInPoolError" in line]) == 2
    assert heard.failures == 0  # none of them was an attempt
