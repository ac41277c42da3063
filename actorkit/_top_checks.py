"""What `python -m actorkit top` takes before it sends anything: the credential variables,
as the `Authorization` header they make, and the URL. Each refusal is a `ValueError` or a
message that says which to change, and never shows a credential."""

from __future__ import annotations

import base64
from urllib.parse import urlsplit

from ._http_auth import PASSWORD_VARIABLE, TOKEN_VARIABLE, USER_VARIABLE, credential, fits

BASIC = f"{USER_VARIABLE} and {PASSWORD_VARIABLE}"


def authorization(token: str | None, user: str | None, password: str | None) -> str | None:
    """The `Authorization` header to send, from the environment's variables (blank is none);
    ValueError, never showing a credential, for what `serve_http` refuses (a control character,
    a lone surrogate, a header past what it reads), a user with ':', half of basic, two schemes."""
    given = {TOKEN_VARIABLE: token, USER_VARIABLE: user, PASSWORD_VARIABLE: password}
    for variable, value in given.items():
        if value is not None and value.strip():
            try:
                credential(value, variable)
            except ValueError:  # its words name the credential's role, not the variable
                raise ValueError(f"{variable} must be one line of printable text") from None
    token, user, password = (v if v is not None and v.strip() else None for v in given.values())
    if (user is None) != (password is None):
        raise ValueError(f"basic auth needs both {BASIC}: set the one missing")
    if user is None or password is None:
        return None if token is None else fits(f"Bearer {token.strip()}", f"{TOKEN_VARIABLE} makes")
    if token is not None:
        raise ValueError(f"set {TOKEN_VARIABLE} or {BASIC}, not both: an endpoint takes one")
    if ":" in user:
        raise ValueError(f"{USER_VARIABLE} must not contain ':': basic auth splits on it")
    basic = base64.b64encode(f"{user}:{password}".encode()).decode()
    return fits(f"Basic {basic}", f"{BASIC} make")


EXAMPLE = "pass one such as http://127.0.0.1:9464"


def refused(url: str) -> str | None:
    """What `top` will not read, before anything is sent; the message never shows a
    credential."""
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018  # raises for a port that is not a number in 0..65535
    except ValueError as error:
        return f"the URL is not valid ({error}): {EXAMPLE}"
    if "@" in parts.netloc:
        bare = url.replace(parts.netloc, parts.netloc.rpartition("@")[2], 1)
        return (
            f"{bare}: put the user and password in {BASIC}, not in the URL: other users of "
            "the host can read a command line"
        )
    if not url.isprintable() or " " in url:
        return f"{url!r} holds spaces or control characters: {EXAMPLE}"
    if parts.scheme not in ("http", "https"):
        return f"{url} is not an http:// URL: {EXAMPLE}"
    if not parts.hostname:
        return f"{url} names no host: {EXAMPLE}"
    if "?" in url or "#" in url:  # `/actors` and `/metrics` are put after the URL
        return f"{url} has a query or fragment: {EXAMPLE}"
    return None
