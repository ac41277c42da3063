"""The versions of the stored classes in the deploy cases (`evolution_support`): version 1
of each, and what version 2 makes of it, unregistered until a test registers them."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

import attrs


@dataclass(frozen=True)
class Dep:
    amount: int
    note: str | None = None


@dataclass(frozen=True)
class DepAdded:
    amount: int
    note: str | None = None
    currency: str = "EUR"


@dataclass(frozen=True)
class DepRequired:
    amount: int
    currency: str
    note: str | None = None


@dataclass(frozen=True)
class DepRemoved:
    amount: int


@dataclass(frozen=True)
class DepRenamed:
    cents: int
    note: str | None = None


@dataclass(frozen=True)
class DepRenamedDefault:
    cents: int = 0
    note: str | None = None


@dataclass(frozen=True)
class DepText:
    amount: str
    note: str | None = None


@dataclass(frozen=True)
class DepEither:
    amount: int | str
    note: str | None = None


@dataclass(frozen=True)
class DepBool:
    amount: bool
    note: str | None = None


@dataclass(frozen=True)
class Price:
    value: float


@dataclass(frozen=True)
class PriceInt:
    value: int


@dataclass(frozen=True)
class DepFloat:
    amount: float
    note: str | None = None


@dataclass(frozen=True)
class DepNoteRequired:
    amount: int
    note: str


@dataclass(frozen=True)
class Deposited:  # Dep renamed
    amount: int
    note: str | None = None


@attrs.frozen
class DepAttrs:
    amount: int
    note: str | None = None


@attrs.frozen
class Mark:
    amount: int
    note: str | None = None


@dataclass(frozen=True)
class MarkData:  # Mark turned dataclass
    amount: int
    note: str | None = None


@dataclass(frozen=True)
class DepAny:
    amount: Any
    note: str | None = None


@dataclass(frozen=True)
class Line:
    qty: int


@dataclass(frozen=True)
class LineAdded:
    qty: int
    sku: str = field(default="?")


@dataclass(frozen=True)
class LineText:
    qty: str


@dataclass(frozen=True)
class Item:
    qty: int


@dataclass(frozen=True)
class Order:
    line: Line


@dataclass(frozen=True)
class OrderOfItem:
    line: Item


@dataclass(frozen=True)
class OrderOfAny:
    line: Any


@dataclass(frozen=True)
class OrderAdded:  # Order as version 2 writes it, with Line changed
    line: LineAdded


@dataclass(frozen=True)
class OrderText:
    line: LineText


@dataclass(frozen=True)
class Paint:
    color: Literal["red", "blue"]


@dataclass(frozen=True)
class PaintRed:
    color: Literal["red"]


@dataclass(frozen=True)
class PaintMore:
    color: Literal["red", "blue", "green"]


@dataclass(frozen=True)
class Bag:
    items: tuple[int, ...]


@dataclass(frozen=True)
class BagList:
    items: list[int]
