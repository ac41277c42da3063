"""`COLUMNS=0` in the environment: rich takes it as a width of 0 and draws nothing at all, so
`top --once` printed an empty frame and exited 0. Python itself ignores a COLUMNS that is not
positive (`shutil.get_terminal_size`); so does `top`."""

from __future__ import annotations

import asyncio

import pytest

from .cli_support import ONE_ACTOR, Polls, endpoint, no_metrics, tree_of


async def test_top_draws_its_frame_under_a_columns_of_zero(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from actorkit._top import top

    monkeypatch.setenv("COLUMNS", "0")
    routes = {"/actors": tree_of(ONE_ACTOR, Polls()), "/metrics": no_metrics}
    async with asyncio.timeout(10), endpoint(routes) as url:
        assert await top(url, 1.0, True) == 0
    out = capsys.readouterr().out
    assert "watched" in out and "One" in out  # the header and the row
