"""Rare lifecycle events fan out to instruments (metrics, tests) so that the core never
imports prometheus_client and pays nothing per message for observers."""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from ._cell import Cell


class Instrument(Protocol):
    def spawned(self, cell: Cell) -> None: ...
    def stopped(self, cell: Cell) -> None: ...
    def failed(self, cell: Cell, error: BaseException) -> None: ...
    def restarted(self, cell: Cell) -> None: ...
    def resumed(self, cell: Cell) -> None: ...
    def gave_up(self, cell: Cell) -> None: ...


class Instruments:
    """The set of attached instruments; each event is delivered to all of them in order."""

    __slots__ = ("_all",)

    def __init__(self) -> None:
        self._all: list[Instrument] = []

    def add(self, instrument: Instrument) -> None:
        self._all.append(instrument)

    def spawned(self, cell: Cell) -> None:
        for instrument in self._all:
            instrument.spawned(cell)

    def stopped(self, cell: Cell) -> None:
        for instrument in self._all:
            instrument.stopped(cell)

    def failed(self, cell: Cell, error: BaseException) -> None:
        for instrument in self._all:
            instrument.failed(cell, error)

    def restarted(self, cell: Cell) -> None:
        for instrument in self._all:
            instrument.restarted(cell)

    def resumed(self, cell: Cell) -> None:
        for instrument in self._all:
            instrument.resumed(cell)

    def gave_up(self, cell: Cell) -> None:
        for instrument in self._all:
            instrument.gave_up(cell)
