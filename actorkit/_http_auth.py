"""Who may read `serve_http`'s endpoints: the two schemes Prometheus scrape configs support, a
bearer token (`auth="token"` or `BearerAuth("token")`) or basic auth (`auth=("user", "pw")`
or `BasicAuth("user", "pw")`). Credentials are compared in constant time and never shown in
a repr. And where it may listen (`check_address`), and where this machine reaches it
(`reached_at`)."""

from __future__ import annotations

import base64
import binascii
import hmac
import ipaddress
from dataclasses import dataclass, field

from ._exact import exact_str
from ._integers import integer
from ._shown import given

TOKEN_VARIABLE = "ACTORKIT_HTTP_TOKEN"
"""Where `python -m actorkit top` finds the bearer token of an endpoint served with
`auth="..."`: the environment, not the command line, which any user of the host can read."""
USER_VARIABLE = "ACTORKIT_HTTP_USER"
PASSWORD_VARIABLE = "ACTORKIT_HTTP_PASSWORD"
"""Where `top` finds the basic auth of an endpoint served with `auth=("user", "pw")`, for
the same reason."""


def credential(value: object, what: str) -> bytes:
    """A credential as the bytes a header carries. An empty one would let in a bare
    `Authorization: Basic` or `Bearer` header; one that is not text, or not UTF-8, could
    never be sent, nor could one with a control character (NUL, a line break: no header
    carries them, and RFC 7617 excludes them from basic auth's user and password)."""
    if not isinstance(value, str):
        raise TypeError(f"{what} must be a str, got {type(value).__name__}")
    if not value.strip():
        raise ValueError(f"{what} must not be empty or blank: it would let anyone in")
    if any(char < " " or char == "\x7f" for char in value):
        raise ValueError(f"{what} must not contain a control character (NUL, a line break)")
    try:
        return value.encode()
    except UnicodeEncodeError:
        # Not shown: the rest of it is a real secret, bar the one character gone wrong.
        raise ValueError(f"{what} must be valid text (a lone surrogate cannot be sent)") from None


MAX_HEADER = 8190
"""Bytes of a header value the endpoint reads (aiohttp's `max_field_size`): a request with a
longer one is refused 400 by the request parser, before its credentials are looked at."""


def fits(header: str, what_makes: str) -> str:
    """`header`, or `ValueError` for an `Authorization` header (of valid text) that no request
    could bring: the endpoint could never be read. The message gives sizes only, never the
    credential; `what_makes` names it with its verb (`auth token makes`)."""
    if (size := len(header.encode())) > MAX_HEADER:
        raise ValueError(
            f"{what_makes} an Authorization header of {size} bytes, longer than the "
            f"{MAX_HEADER} bytes the endpoint reads of a header: choose a shorter one"
        )
    return header


def check_address(host: object, port: object) -> tuple[str, int]:
    """Where `serve_http` may listen: refused before anything is bound."""
    if not isinstance(host, str):
        raise TypeError(f"host must be a str such as '127.0.0.1', got {type(host).__name__}")
    if not host or len(host) > 253 or not host.isprintable() or " " in host:
        raise ValueError(
            f"host must be an address or host name such as '127.0.0.1', got {given(host)}"
        )
    if not _alone(host):
        raise ValueError(
            f"host must be an address or host name alone, such as '127.0.0.1' or '::1', got "
            f"{given(host)}: no port, scheme, path or brackets in it (the port is given apart)"
        )
    words = "port must be an int from 0 to 65535 (0 picks a free one), got"
    number = integer(port, words)
    if not 0 <= number <= 65535:
        raise ValueError(f"{words} {given(port)}")
    return exact_str(host), number


def _alone(host: str) -> bool:
    """Whether `host` could be bound as it stands. One written as in a URL
    (`127.0.0.1:9464`, `http://...`, `[::1]`) would go to the resolver, which may wait on DNS
    and then says the name does not resolve; only an IPv6 address holds a `:`."""
    if not any(char in host for char in ":/[]@"):
        return True
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def _header_bytes(value: str) -> bytes:
    """A header value back to the bytes the client sent (aiohttp decodes undecodable bytes
    as surrogate escapes)."""
    return value.strip().encode("utf-8", "surrogateescape")


@dataclass(frozen=True, slots=True)
class BearerAuth:
    token: str = field(repr=False)

    def __post_init__(self) -> None:
        credential(self.token, "auth token")
        if self.token != self.token.strip():
            raise ValueError("auth token must not start or end with whitespace: no header sends it")
        fits(f"Bearer {self.token}", "auth token makes")

    def accepts(self, header: str) -> bool:
        scheme, _, value = header.partition(" ")
        # A blank value never matches: the token is not blank.
        return scheme.lower() == "bearer" and hmac.compare_digest(
            _header_bytes(value), self.token.encode()
        )

    challenge = 'Bearer realm="actorkit"'


@dataclass(frozen=True, slots=True)
class BasicAuth:
    username: str
    password: str = field(repr=False)

    def __post_init__(self) -> None:
        username = credential(self.username, "auth username")
        if ":" in self.username:
            raise ValueError("auth username must not contain ':': basic auth splits on it")
        password = credential(self.password, "auth password")
        basic = base64.b64encode(username + b":" + password).decode()
        fits(f"Basic {basic}", "auth username and password make")

    def accepts(self, header: str) -> bool:
        scheme, _, value = header.partition(" ")
        if scheme.lower() != "basic":
            return False
        try:
            decoded = base64.b64decode(_header_bytes(value), validate=True).decode()
        except (binascii.Error, UnicodeDecodeError):
            return False
        user, _, password = decoded.partition(":")  # a blank value: no user, never a match
        return hmac.compare_digest(user.encode(), self.username.encode()) & hmac.compare_digest(
            password.encode(), self.password.encode()
        )

    challenge = 'Basic realm="actorkit"'


Auth = BearerAuth | BasicAuth
GivenAuth = str | tuple[str, str] | Auth
"""What `serve_http(auth=...)` takes: a bearer token, a (user, password) pair, or an `Auth`."""


def check_auth(auth: object) -> Auth | None:
    if auth is None or isinstance(auth, BearerAuth | BasicAuth):
        return auth
    if isinstance(auth, str):
        return BearerAuth(exact_str(auth))
    if isinstance(auth, tuple) and len(auth) == 2 and all(isinstance(a, str) for a in auth):
        return BasicAuth(exact_str(auth[0]), exact_str(auth[1]))
    raise TypeError(
        "auth must be a bearer token str, a (username, password) tuple, "
        f"BearerAuth(...) or BasicAuth(...), got {type(auth).__name__}"
    )


def is_loopback(host: str) -> bool:
    """Whether only this machine can reach `host`: serving elsewhere without auth is worth a
    warning. Names are case-blind, and an IPv4 address mapped into IPv6 is the IPv4 one
    (which `is_loopback` says only from Python 3.13 on)."""
    if host.lower().rstrip(".") == "localhost":
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    mapped = getattr(address, "ipv4_mapped", None)
    return (mapped or address).is_loopback


def reached_at(host: str) -> str:
    """The address this machine reaches an endpoint bound to `host` at. An unspecified one
    (`0.0.0.0`, `::`) binds every interface but names no machine (browsers refuse to open
    it), so a URL to paste gets the loopback address of its family instead, as uvicorn and
    Jupyter print; any other host is its own."""
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return host
    if not address.is_unspecified:
        return host
    return "127.0.0.1" if address.version == 4 else "::1"
