"""The credentials `NatsTransport` passes to nats-py's `connect`, checked when the transport is
made. nats-py reads them only when the system starts: a token that is not a str made the start
wait out `connect_timeout` and report a dropped connection, and a `.creds` path that names no
file (or is not a path) failed inside nats-py, its error lost to the close that followed."""

from __future__ import annotations

import importlib.util
import os
from typing import Any

from nats.aio.client import RawCredentials

from .._exact import exact_str
from .._shown import given

_TEXTS = ("token", "user", "password", "tls_hostname")
_SECRETS = ("token", "password")
"""Never quoted in an error: it would reach every traceback and log line that carries it."""

CredsPath = str | os.PathLike[str]
Creds = CredsPath | tuple[CredsPath, CredsPath] | RawCredentials
"""What `NatsTransport(creds=...)` takes, as nats-py's `user_credentials` does: a `.creds`
file's path, a pair of paths (the JWT file, the NKey seed file), or `RawCredentials`."""


def _text(value: object, what: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise TypeError(f"{what} must be a str or None, got {type(value).__name__}")
    text = exact_str(value)
    try:
        text.encode()
    except UnicodeEncodeError:  # a lone surrogate: an undecodable byte of the environment
        shown = (
            "one with a lone surrogate, what os.fsdecode makes of bytes that are not UTF-8 "
            "(not shown: it is a secret)"
            if what in _SECRETS
            else given(text)
        )
        raise ValueError(f"{what} must be text UTF-8 can encode, got {shown}") from None
    if not text or "\x00" in text:
        raise ValueError(f"{what} must be a non-empty str without NUL, or None for none")
    return text


def _creds_file(value: object, what: str) -> str:
    if not isinstance(value, str | os.PathLike) or not isinstance(os.fspath(value), str):
        raise TypeError(
            f"{what} must be the path of a .creds file (a str or pathlib.Path), "
            f"got {type(value).__name__}"
        )
    path = exact_str(os.fspath(value))
    if not path or "\x00" in path or not os.path.isfile(path):
        raise ValueError(
            f"{what}: no file at {given(path)}; pass the path of the account's .creds file"
        )
    return path


def check_credentials(
    token: object,
    user: object,
    password: object,
    creds: object,
    tls_hostname: object,
    options: dict[str, Any],
) -> dict[str, Any]:
    """The credentials as nats-py's `connect` keywords, each checked, None where not given;
    `options` are the other keywords, for the NKey seeds among them."""
    texts = dict(zip(_TEXTS, (token, user, password, tls_hostname), strict=True))
    checked: dict[str, Any] = {key: _text(value, key) for key, value in texts.items()}
    if creds is None or isinstance(creds, RawCredentials):
        checked["user_credentials"] = creds
    elif isinstance(creds, tuple) and len(creds) == 2:  # nats-py's (jwt file, nkey seed file)
        checked["user_credentials"] = tuple(_creds_file(part, "creds") for part in creds)
    else:
        checked["user_credentials"] = _creds_file(creds, "creds")
    check_nkeys(creds, options)
    return checked


_SIGNED = ("nkeys_seed", "nkeys_seed_str")
"""`nats.connect` options, besides `creds`, whose sign-in nats-py makes with `nkeys`."""


def check_nkeys(creds: object, options: dict[str, Any]) -> None:
    """nats-py signs in with a `.creds` file or an NKey seed through the `nkeys` package, an
    extra of its own that it imports only as it connects: without it, `start()` reported a
    connection that failed "within connect_timeout" with `No module named 'nkeys'`."""
    given = ["creds"] if creds is not None else []
    given += [name for name in _SIGNED if options.get(name) is not None]
    if given and importlib.util.find_spec("nkeys") is None:
        raise ModuleNotFoundError(
            f"NatsTransport({given[0]}=...) needs the nkeys package, which nats-py signs in "
            "with NATS credentials through: pip install nkeys (nats-py's extra 'nats-py[nkeys]')",
            name="nkeys",
        )
