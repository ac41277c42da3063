"""Store URLs as messages show them: never with a password. Its own module, below both the
URL parser (`_url`) and the stores that name their database in errors (`_postgres`)."""

from __future__ import annotations


def without_secrets(url: str) -> str:
    """`url` for a message: what comes before its last `@` after the scheme (a user and
    password, whatever characters the password holds unencoded) and its query (libpq takes
    `password=` there) left out. A message never shows a URL any other way."""
    head, at, tail = url.rpartition("@")
    if at:
        url = f"{head.partition(':')[0]}://...@{tail}"  # a password follows a colon
    return url.partition("?")[0].partition("#")[0]
