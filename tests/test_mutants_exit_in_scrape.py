"""A metrics source that raises a bare `KeyboardInterrupt` or `SystemExit` while a registry
is scraped in another thread (a `prometheus_client` HTTP server's): that thread gets the
exit, as it gets a group holding one (`test_exception_groups_exits`), and the system goes
on. Mutants of `_failure.exit_in` that saw no bare exit, or no bare `SystemExit`, survived:
the exit was taken for the loop's and began a shutdown from the wrong thread."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from prometheus_client import generate_latest

from actorkit import ActorSystem

from .exception_kinds_support import Raises
from .hardening_support import BOUND


@pytest.mark.parametrize("exit_", [SystemExit(3), KeyboardInterrupt()], ids=["exit", "interrupt"])
async def test_a_bare_exit_raised_in_a_scrape_from_another_thread_is_that_thread_s(
    exit_: BaseException,
) -> None:
    def source() -> Any:
        raise exit_

    async with asyncio.timeout(BOUND), ActorSystem() as system:
        system.metrics.add_source(source)
        with pytest.raises(type(exit_)) as raised:
            await asyncio.to_thread(generate_latest, system.metrics.registry)
        assert raised.value is exit_
        ref = await system.spawn(Raises, name="after")
        assert await ref.ask("still running") == "still running"
