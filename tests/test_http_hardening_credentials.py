"""Empty, blank or garbled HTTP credentials are refused and never authenticate."""

from __future__ import annotations

import pytest

from actorkit import ActorSystem
from actorkit._http_auth import BasicAuth, BearerAuth

EMPTY_CREDENTIALS = [
    "",
    "   ",
    " s3cret",
    "s3cret\n",
    ("", ""),
    ("", "pw"),
    ("ops", ""),
    ("ops", " "),
]
"""Each would let in a bare or blank header, or could never be sent in one."""


@pytest.mark.parametrize("auth", EMPTY_CREDENTIALS)
async def test_serve_http_refuses_empty_credentials(auth: object) -> None:
    async with ActorSystem() as system:
        with pytest.raises(ValueError, match=r"auth (token|username|password) must not"):
            await system.serve_http(port=0, auth=auth)


def test_credentials_that_no_header_can_carry_are_refused() -> None:
    with pytest.raises(ValueError, match="':'"):
        BasicAuth("ops:x", "pw")
    with pytest.raises(ValueError, match="valid text"):
        BearerAuth("\udc80")
    with pytest.raises(ValueError, match="empty"):
        BearerAuth("")
    with pytest.raises(TypeError, match="str"):
        BasicAuth("ops", b"pw")  # type: ignore[arg-type]


BLANK_HEADERS = ["", "Basic", "Basic ", "Basic    ", "Bearer", "Bearer ", "Basic Og==", "Basic é"]
"""Empty, blank, `:` alone (base64 `Og==`), and bytes that are not base64 at all."""


@pytest.mark.parametrize("header", [*BLANK_HEADERS, "Bearer \udcff", "Basic \udcff"])
def test_an_empty_or_garbled_header_never_authenticates(header: str) -> None:
    for auth in (BearerAuth("s3cret"), BasicAuth("ops", "pw")):
        assert not auth.accepts(header)
