"""What the tests of the wire codec (`tests/test_nats_codec*.py`) share: registered message
classes (one that notes each instance built, so a test can tell a payload built nothing) and
a round trip through the codec."""

from __future__ import annotations

import dataclasses
from typing import Any

import attrs

import actorkit
from actorkit._nats._frames import OK
from actorkit._wire import Codec

built: list[str] = []


@actorkit.message
@dataclasses.dataclass(frozen=True)
class Point:
    x: int
    y: int


@actorkit.message("codec.Shape")
@attrs.frozen
class Shape:
    points: list[Point]
    _label: str = "?"

    def __attrs_post_init__(self) -> None:
        built.append(self._label)


@actorkit.message(name="codec.Tagged")
@dataclasses.dataclass
class Tagged:
    tags: tuple[str, ...]
    extra: dict[str, Any] = dataclasses.field(default_factory=dict)
    derived: int = dataclasses.field(init=False, default=0)


def roundtrip(value: Any) -> Any:
    codec = Codec()
    return codec.decode(codec.encode([OK, codec.wire(value)]))[1]
