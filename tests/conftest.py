"""Shared test helpers. Fixtures hand out plain objects only: an `ActorSystem` owns tasks, so
every test opens its system inside the test body (pytest-asyncio runs fixture setup and
teardown in different tasks)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import pytest

from actorkit.testing import ManualClock


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def make_clock() -> Callable[[], ManualClock]:
    return ManualClock


def leftover_tasks() -> set[asyncio.Task[object]]:
    current = asyncio.current_task()
    return {task for task in asyncio.all_tasks() if task is not current and not task.done()}
