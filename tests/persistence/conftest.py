"""Stores for the conformance suite. Fixtures hand out plain objects: `make_store` builds a
new, unopened store on the test's own database each time it is called (tests open it inside
their body, on their own loop)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from actorkit.persistence import MemoryStore
from actorkit.persistence._base import StoreBase

MakeStore = Callable[[], StoreBase]

STORES = ["memory"]


@pytest.fixture(params=STORES)
def make_store(request: pytest.FixtureRequest, tmp_path: Path) -> MakeStore:
    kind: str = request.param
    if kind == "memory":
        return MemoryStore
    raise AssertionError(kind)  # pragma: no cover
