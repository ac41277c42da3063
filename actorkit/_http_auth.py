"""Who may read `serve_http`'s endpoints: the two schemes Prometheus scrape configs support, a
bearer token (`auth="token"` or `BearerAuth("token")`) or basic auth (`auth=("user", "pw")`
or `BasicAuth("user", "pw")`). Credentials are compared in constant time and never shown in
a repr."""

from __future__ import annotations

import base64
import binascii
import hmac
import ipaddress
from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class BearerAuth:
    token: str = field(repr=False)

    def accepts(self, header: str) -> bool:
        scheme, _, value = header.partition(" ")
        return scheme.lower() == "bearer" and hmac.compare_digest(
            value.strip().encode(), self.token.encode()
        )

    challenge = 'Bearer realm="actorkit"'


@dataclass(frozen=True, slots=True)
class BasicAuth:
    username: str
    password: str = field(repr=False)

    def accepts(self, header: str) -> bool:
        scheme, _, value = header.partition(" ")
        if scheme.lower() != "basic":
            return False
        try:
            decoded = base64.b64decode(value.strip(), validate=True).decode()
        except (binascii.Error, UnicodeDecodeError):
            return False
        user, _, password = decoded.partition(":")
        return hmac.compare_digest(user.encode(), self.username.encode()) & hmac.compare_digest(
            password.encode(), self.password.encode()
        )

    challenge = 'Basic realm="actorkit"'


Auth = BearerAuth | BasicAuth


def check_auth(auth: object) -> Auth | None:
    if auth is None or isinstance(auth, BearerAuth | BasicAuth):
        return auth
    if isinstance(auth, str) and auth:
        return BearerAuth(auth)
    if isinstance(auth, tuple) and len(auth) == 2 and all(isinstance(a, str) for a in auth):
        return BasicAuth(auth[0], auth[1])
    raise TypeError(
        "auth must be a bearer token str, a (username, password) tuple, "
        f"BearerAuth(...) or BasicAuth(...), got {type(auth).__name__}"
    )


def is_loopback(host: str) -> bool:
    """Whether only this machine can reach `host`: serving elsewhere without auth is worth a
    warning."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
