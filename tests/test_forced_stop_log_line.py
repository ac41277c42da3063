"""A forced stop names the actors it cancelled in one log line, as many as `LISTED`
characters hold and how many more: a shutdown that cuts a large tree short would otherwise
log a line of megabytes, which log pipelines cut or drop."""

from __future__ import annotations

import asyncio
import logging
import re

import pytest

from actorkit import ActorSystem
from actorkit._shown import LISTED

from .test_failed_start_cut_by_a_forced_stop import Lingers


async def test_a_forced_shutdown_of_many_actors_lists_what_fits_and_counts_the_rest(
    caplog: pytest.LogCaptureFixture,
) -> None:
    many = 600  # names of 64 characters: about 40 KB of paths
    async with asyncio.timeout(10):
        system = await ActorSystem().start()
        stopping = asyncio.Event()
        for i in range(many):
            await system.spawn(Lingers, stopping, name=f"{i:064d}")
        with caplog.at_level(logging.WARNING, logger="actorkit"):
            await system.shutdown(timeout=0.05)
    # Every actor is cancelled, and the root guardian, `/`; most then ignore it (their
    # `on_stop` waits for ever), and are abandoned after the grace.
    for said, most in (("cancelled: ", many + 1), ("ignored cancellation: ", many)):
        (line,) = [r.getMessage() for r in caplog.records if said in r.getMessage()]
        listed = line.partition(said)[2]
        more = re.fullmatch(r"(.*) and (\d+) more", listed)
        assert more is not None, listed[-200:]
        named = more.group(1).split(", ")
        counted = len(named) + int(more.group(2))
        assert counted == most if said == "cancelled: " else 0 < counted <= most
        assert LISTED - 70 < len(more.group(1)) <= LISTED
        assert all(re.fullmatch(r"/\d{64}", path) for path in named)


async def test_a_stop_that_cancels_few_lists_them_all(caplog: pytest.LogCaptureFixture) -> None:
    async with asyncio.timeout(10), ActorSystem() as system:
        stopping = asyncio.Event()
        ref = await system.spawn(Lingers, stopping, name="stuck")
        with caplog.at_level(logging.WARNING, logger="actorkit"):
            await ref.stop(timeout=0.05)
    assert "stop of /stuck exceeded 0.05s; cancelled: /stuck" in caplog.text
    assert " more" not in caplog.text
