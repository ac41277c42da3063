"""`/healthz` after a root failure answers 503 with its JSON body whatever the failure is
(API 7, docs/observability.md "HTTP")."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest

from actorkit import Actor, ActorSystem, OneForOne
from actorkit.testing import ManualClock

from .http_support import fetch


class Unprintable(Exception):
    """An error whose repr and str raise: user code can define one."""

    def __repr__(self) -> str:
        raise RuntimeError("no repr")

    def __str__(self) -> str:
        raise RuntimeError("no str")


class Crash(Actor):
    async def receive(self, message: Any) -> None:
        raise Unprintable


@contextlib.asynccontextmanager
async def failed_by(crash: type[Actor]) -> AsyncIterator[tuple[ActorSystem, int, str]]:
    """A system whose root failed on `crash`'s first message (its decider escalates); yields
    it and what its `/healthz` answered: the status and the body."""
    async with asyncio.timeout(10):
        clock = ManualClock()
        system = ActorSystem(clock=clock, supervisor=OneForOne(decider=lambda error: "escalate"))
        await system.start()
        try:
            server = await system.serve_http(port=0)
            ref = await system.spawn(crash)
            ref.tell("go")
            await clock.advance(0)
            assert system.failure is not None
            status, body = await fetch(f"{server.url}/healthz")
            yield system, status, body
        finally:
            await system.shutdown()


async def test_healthz_answers_503_after_a_root_failure_whose_repr_raises() -> None:
    async with failed_by(Crash) as (system, status, body):
        assert isinstance(system.failure, Unprintable)
        assert status == 503
        answer = json.loads(body)
        assert answer["status"] == "failed"
        assert "Unprintable" in answer["failure"]


class Huge(Actor):
    async def receive(self, message: Any) -> None:
        raise ValueError("x" * 5_000_000)


async def test_healthz_cuts_a_failure_megabytes_long_and_says_it_did() -> None:
    """A probe every few seconds must not carry the failure's 5 MB each time."""
    from actorkit._http_endpoints import FAILURE_LENGTH

    async with failed_by(Huge) as (system, status, body):
        assert status == 503
        failure = json.loads(body)["failure"]
        assert failure.startswith("ValueError('xxx")
        assert failure.endswith(f"... ({len(repr(system.failure)):,} characters)")
        assert FAILURE_LENGTH <= len(failure) <= FAILURE_LENGTH + 40
        assert len(body) < 2 * FAILURE_LENGTH


class NoErrorsListed(Exception):
    """A validation error sized by the errors it lists (none here): false as a truth value,
    as any sized object of length 0 is."""

    def __len__(self) -> int:
        return 0


class Untestable(Exception):
    """An error whose truth value raises: user code can define one."""

    def __bool__(self) -> bool:
        raise RuntimeError("no truth value")


class CrashFalsy(Actor):
    async def receive(self, message: Any) -> None:
        raise NoErrorsListed


class CrashUntestable(Actor):
    async def receive(self, message: Any) -> None:
        raise Untestable


@contextlib.contextmanager
def unformatted() -> Iterator[None]:
    """The runtime's records kept from every formatting handler: Python's `traceback` tests
    an exception's truth too, so pytest's own handler would raise what `Untestable` raises,
    where a plain one prints "--- Logging error ---" and goes on."""
    logger = logging.getLogger("actorkit")
    kept = logging.NullHandler()
    logger.addHandler(kept)
    logger.propagate = False
    try:
        yield
    finally:
        logger.propagate = True
        logger.removeHandler(kept)


@pytest.mark.parametrize(
    ("crash", "error"), [(CrashFalsy, NoErrorsListed), (CrashUntestable, Untestable)]
)
async def test_healthz_says_failed_whatever_the_failures_truth_value(
    crash: type[Actor], error: type[Exception]
) -> None:
    """The failure is there or not: a false one read as no failure said "stopping", and one
    whose `__bool__` raises made the endpoint answer 500."""
    with unformatted():
        async with failed_by(crash) as (system, status, body):
            assert isinstance(system.failure, error)
            assert status == 503
            answer = json.loads(body)
            assert answer["status"] == "failed"
            assert error.__name__ in answer["failure"]
