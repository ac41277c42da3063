"""HTTP credentials with a control character are refused, every one of them (C0, tab included,
and DEL), wherever it stands and whichever credential holds it, without the refusal showing
the credential; the printable characters around them are taken (RFC 7617 excludes only
controls from basic auth's user and password)."""

from __future__ import annotations

import base64
from collections.abc import Callable

import pytest

from actorkit import ActorSystem
from actorkit._http_auth import BasicAuth, BearerAuth

CONTROLS = [chr(code) for code in range(0x20)] + ["\x7f"]

MAKERS: dict[str, Callable[[str], object]] = {
    "token": BearerAuth,
    "username": lambda value: BasicAuth(value, "pw"),
    "password": lambda value: BasicAuth("ops", value),
}


@pytest.mark.parametrize("control", CONTROLS, ids=lambda c: f"{ord(c):#04x}")
@pytest.mark.parametrize("what", sorted(MAKERS))
def test_a_credential_holding_a_control_character_is_refused_without_showing_it(
    what: str, control: str
) -> None:
    for secret in (f"s3cr{control}et", f"s3cret{control}x", f"{control}s3cret"):
        with pytest.raises(ValueError, match=f"auth {what} must not") as refused:
            MAKERS[what](secret)
        assert "control character" in str(refused.value)  # not taken for a blank one
        assert "s3cr" not in str(refused.value)


@pytest.mark.parametrize("control", ["\x00", "\t", "\x1f", "\x7f"], ids=repr)
async def test_serve_http_refuses_such_a_credential_before_serving(control: str) -> None:
    async with ActorSystem(metrics=False) as system:
        for auth in (f"tok{control}en", ("ops", f"p{control}w")):
            with pytest.raises(ValueError, match="must not contain a control character"):
                await system.serve_http(port=0, auth=auth)


@pytest.mark.parametrize("printable", [" ", "!", "~", "é", "\u00a0x", "€"], ids=repr)
def test_printable_characters_next_to_the_controls_are_taken(printable: str) -> None:
    password = f"p{printable}w"
    auth = BasicAuth("ops", password)
    header = "Basic " + base64.b64encode(f"ops:{password}".encode()).decode()
    assert auth.accepts(header)
    assert BearerAuth(f"to{printable}ken").token == f"to{printable}ken"


@pytest.mark.parametrize("what", sorted(MAKERS))
def test_a_credential_utf8_cannot_encode_is_refused_without_showing_it(what: str) -> None:
    with pytest.raises(ValueError, match=f"auth {what} must be valid text") as refused:
        MAKERS[what]("s3cret\udc80")
    assert "s3cr" not in str(refused.value)
