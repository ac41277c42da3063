"""The README's "Errors and bad input" and docs/api.md's §8 say every error derives from
`ActorError` and name them: each public subclass of `ActorError` (in `actorkit`,
`actorkit.nats`, `actorkit.persistence`) is named in both, so one added is not left out."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import actorkit
import actorkit.nats
import actorkit.persistence
from actorkit import ActorError

ROOT = Path(__file__).resolve().parent.parent


def _public_errors() -> set[str]:
    modules = (actorkit, actorkit.nats, actorkit.persistence)
    return {
        cls.__name__
        for module in modules
        for name in module.__all__
        if isinstance(cls := getattr(module, name), type)
        and issubclass(cls, ActorError)
        and cls is not ActorError
    }


@pytest.mark.parametrize(
    ("doc", "start", "end"),
    [
        ("README.md", "## Errors and bad input", "Wrong arguments"),
        ("docs/api.md", "## 8.", "A wrong"),
    ],
)
def test_every_public_error_is_named_where_errors_are_listed(
    doc: str, start: str, end: str
) -> None:
    text = (ROOT / doc).read_text()
    listed = text[text.index(start) :]
    listed = listed[: listed.index(end)]
    named = {word.rsplit(".", 1)[-1] for word in re.findall(r"`([\w.]+)`", listed)}
    assert _public_errors() - named == set()
