"""Where `top` draws its frames: the terminal, or a stdout that is none (a pipe, a file)."""

from __future__ import annotations

from rich.console import Console, RenderableType
from rich.measure import Measurement

WIDEST = 16_384
"""The most columns a frame printed to a pipe or a file takes: past any tree an actorkit
endpoint serves (a path is at most 4,096 characters), so only a hostile one's wraps."""


class TopConsole(Console):
    def __init__(self) -> None:
        super().__init__()
        if self.width < 1:  # COLUMNS=0, taken as it is: nothing would be drawn at all
            self.width = 80  # what rich gives a terminal that reports no size

    def on_broken_pipe(self) -> None:
        """The reader has gone (`top --once | head -1`): `top` ends with 0, as `demo` and
        `journal` do then, not with rich's `SystemExit(1)` and no word said."""
        self.quiet = True
        raise BrokenPipeError


def shown(console: Console, frame: RenderableType) -> None:
    """`--once`'s frame: drawn to fit a terminal, as the live view is; else `print_whole`."""
    if console.is_terminal:
        console.print(frame)
    else:
        print_whole(console, frame)


def print_whole(console: Console, frame: RenderableType) -> None:
    """`frame` on a stdout that is no terminal, each line whole: rich draws at 80 columns
    there (COLUMNS unset), which wrapped the header and cut or wrapped a row of long names
    in the middle, where a pager (`less -S`), `grep` or `cut` reads lines. Drawn as wide as
    the frame is, if wider: its table fills the console's width otherwise, as on a terminal."""
    wide = Measurement.get(console, console.options.update_width(WIDEST), frame).maximum
    width = console.width
    console.width = max(width, wide)
    try:
        console.print(frame)
    finally:
        console.width = width
