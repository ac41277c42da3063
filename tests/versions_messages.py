"""One message class per kind of change between two versions of a program: `*Old` registered
in this process, `*New` the same wire name in the other version (`NEW`, for
`versions_support.another_version`)."""

from __future__ import annotations

import dataclasses
from typing import Literal

import actorkit


@actorkit.message("rolling.Added")
@dataclasses.dataclass
class AddedOld:
    a: int


@dataclasses.dataclass
class AddedNew:
    a: int
    b: int = 7  # added with a default


@actorkit.message("rolling.Required")
@dataclasses.dataclass
class RequiredOld:
    a: int


@dataclasses.dataclass
class RequiredNew:
    a: int
    b: int  # added without a default


@actorkit.message("rolling.Removed")
@dataclasses.dataclass
class RemovedOld:
    a: int
    b: int


@dataclasses.dataclass
class RemovedNew:
    a: int  # b removed


@actorkit.message("rolling.Renamed")
@dataclasses.dataclass
class RenamedOld:
    qty: int


@dataclasses.dataclass
class RenamedNew:
    quantity: int


@actorkit.message("rolling.Retyped")
@dataclasses.dataclass
class RetypedOld:
    n: int


@dataclasses.dataclass
class RetypedNew:
    n: str


@actorkit.message("rolling.Widened")
@dataclasses.dataclass
class WidenedOld:
    n: int


@dataclasses.dataclass
class WidenedNew:
    n: float


@actorkit.message("rolling.Optional")
@dataclasses.dataclass
class OptionalOld:
    n: int


@dataclasses.dataclass
class OptionalNew:
    n: int | None


@actorkit.message("rolling.Level")
@dataclasses.dataclass
class LevelOld:
    level: Literal["low", "high"]


@dataclasses.dataclass
class LevelNew:
    level: Literal["low", "high", "urgent"]  # a member the old version lacks


@dataclasses.dataclass
class OnlyNew:
    a: int


NEW: dict[str, type | None] = {
    "rolling.Added": AddedNew,
    "rolling.Required": RequiredNew,
    "rolling.Removed": RemovedNew,
    "rolling.Renamed": RenamedNew,
    "rolling.Retyped": RetypedNew,
    "rolling.Widened": WidenedNew,
    "rolling.Optional": OptionalNew,
    "rolling.Level": LevelNew,
    "rolling.OnlyNew": OnlyNew,
}
