"""The log lines of the payloads a system refuses (`_nats._refusals`), at the unit: what a
peer chose reaches them escaped and cut, whether it is a type name, the words of a class's
own `__post_init__` quoting a field it sent, or a field name those words claim; and garbage
said at WARNING once in `QUIET_SECONDS` says how many went to DEBUG since."""

from __future__ import annotations

import logging
from types import SimpleNamespace

import pytest

from actorkit._nats import _refusals
from actorkit._nats._refusals import QUIET_SECONDS, Refusals
from actorkit._wire import BadPayload, Incompatible

FORGED = "\nCRITICAL:actorkit:forged\x1b[2J"


class Core:
    system_name = "target"

    def __init__(self) -> None:
        self.rejected: list[str] = []

    def reject(self, reason: str, message: object, recipient: str) -> None:
        self.rejected.append(reason)


class Clock:
    """`time` as `_refusals` reads it, moved by the test."""

    def __init__(self) -> None:
        self.now = 1_000.0

    def monotonic(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    clock = Clock()
    monkeypatch.setattr(_refusals, "time", SimpleNamespace(monotonic=clock.monotonic))
    return clock


def said(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [record.getMessage() for record in caplog.records]


def test_a_payload_error_quoting_the_peer_is_escaped_at_every_level(
    caplog: pytest.LogCaptureFixture, clock: Clock
) -> None:
    """A `__post_init__` that raises with what it was sent (not a `ValueError`, so no
    `ValidationError`) makes the frame garbage whose error quotes the peer: the warning and
    the DEBUG lines of those after it within the quiet time alike."""
    caplog.set_level(logging.DEBUG, logger="actorkit")
    refusals = Refusals(Core())  # type: ignore[arg-type]
    error = BadPayload(f"RuntimeError: {FORGED}{'x' * 3_000}")
    for _ in range(2):
        refusals.payload(b"\xc1", "actorkit.actor.target", error)
    lines = said(caplog)
    assert len(lines) == 2, lines
    assert all("\\nCRITICAL:actorkit:forged\\x1b[2J" in line for line in lines), lines
    assert not [line for line in lines if "\n" in line or "\x1b" in line]
    assert max(map(len, lines)) < 2_000


def test_a_refusal_quoting_the_peer_in_its_detail_and_field_is_escaped(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A `__post_init__` raising `ValueError` with what it was sent: msgspec's words (the
    detail) hold it, and a field named after ' - at `$.' in them is read off it too."""
    caplog.set_level(logging.DEBUG, logger="actorkit")
    core = Core()
    refusals = Refusals(core)  # type: ignore[arg-type]
    error = Incompatible("Picky", f"refused {FORGED} - at `$.f{FORGED}`")
    assert error.field is not None and "\x1b" in error.field
    refusals.payload(b"\xc7", "/echo", error)
    [line] = said(caplog)
    assert "its field `f\\nCRITICAL:actorkit:forged\\x1b[2J`" in line, line
    assert "(refused \\nCRITICAL" in line, line
    assert "\n" not in line and "\x1b" not in line
    assert core.rejected == ["incompatible"]


def test_garbage_after_the_quiet_time_says_how_many_went_to_debug(
    caplog: pytest.LogCaptureFixture, clock: Clock
) -> None:
    caplog.set_level(logging.DEBUG, logger="actorkit")
    core = Core()
    refusals = Refusals(core)  # type: ignore[arg-type]
    error = BadPayload("a frame is a non-empty array")
    for _ in range(4):  # one warning, three at DEBUG
        refusals.payload(b"\xc0", "s", error)
    clock.now += QUIET_SECONDS
    refusals.payload(b"\xc0", "s", error)
    clock.now += QUIET_SECONDS
    refusals.payload(b"\xc0", "s", error)  # none quieted since the last warning
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert warnings == [
        "target rejected a payload on s: a frame is a non-empty array",
        "target rejected a payload on s: a frame is a non-empty array (3 more since the last "
        "such warning, at DEBUG)",
        "target rejected a payload on s: a frame is a non-empty array",
    ]
    assert core.rejected == ["bad_payload"] * 6
