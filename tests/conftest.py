"""Shared test helpers. Fixtures hand out plain objects only: an `ActorSystem` owns tasks, so
every test opens its system inside the test body (pytest-asyncio runs fixture setup and
teardown in different tasks).

Async tests are made for both event loops actorkit supports, asyncio's own and uvloop (what
`actorkit.run` picks): ids carry `[asyncio]` / `[uvloop]`; `-k uvloop` / `-k "not uvloop"`
select one side (not `-k asyncio`: every async test carries the asyncio marker).

`make test` runs each of them on one loop (`--loops split`, the default): half of every
module's tests on each, chosen by a hash of the test's id, so the same test always runs on
the same loop and a failure replays. Modules in `BOTH_LOOPS` run on both: their subject is
where the two loops differ (the loop's clock and timer heap, sockets and transports, the
loop's end) or a figure the README counts over both (the chaos runs). The store conformance
suite takes one loop a test: its drivers meet both loops over its many tests. `--loops both`
runs every async test on both. On the 2-core machine of the suite's budget, one loop per test
halves the async tests' time (benchmarks/RESULTS.md, "The suite on one loop per test").
Modules in `UVLOOP_ONLY` drive other processes (the loop there is not the one under test) and
run on uvloop alone.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import os
import zlib
from collections.abc import Callable, Generator, Iterator, Mapping
from typing import TYPE_CHECKING

import pytest
import uvloop

from actorkit.testing import ManualClock

if TYPE_CHECKING:
    from .nats_support import NatsServer

LoopFactory = Callable[[], asyncio.AbstractEventLoop]

LOOPS: Mapping[str, LoopFactory] = {
    "asyncio": asyncio.SelectorEventLoop,
    "uvloop": uvloop.new_event_loop,
}

UVLOOP_ONLY = frozenset(
    {
        "tests/test_cli_top_auth.py",
        "tests/test_cli_top_errors.py",
        "tests/test_cli_top_frame.py",
        "tests/test_nats_cluster.py",
        "tests/test_prometheus.py",
    }
)


BOTH_LOOPS = (
    "tests/chaos/",
    "tests/test_bad_input_extremes",
    "tests/test_bad_input_timers",
    "tests/test_clock_of_your_own",
    "tests/test_docs_promises_ops",
    "tests/test_eager",
    "tests/test_forgotten_systems",
    "tests/test_hardening",
    # Of the HTTP and NATS tests, those whose subject is the transport: how a socket binds,
    # closes or is flushed, hostile clients, a connection's faults, an eager task factory.
    # Their protocol tests (asks, replies, groups, codecs, endpoints) take one loop each.
    "tests/test_http_hardening",
    "tests/test_http_hostile_clients",
    "tests/test_http_port_zero_retry",
    "tests/test_loop_",
    "tests/test_mutants_on_stop_apart",  # the grace's race with an `on_stop`'s own cut: clocks
    "tests/test_mutants_when_due",  # a timer asyncio's loop runs early, uvloop's never does
    "tests/test_nats_close_race",
    "tests/test_nats_eager",
    "tests/test_nats_faults",
    "tests/test_nats_flush",
    "tests/test_never_early",  # the same: each wait on a loop that runs timers early
    "tests/test_shutdown_from_inside_at_loop_end",
    "tests/test_thread",
    "tests/test_timer",
    "tests/test_watchdog",
)
"""Prefixes of the modules whose async tests run on both loops under `--loops split`."""


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--loops",
        choices=("split", "both"),
        default="split",
        help="split: each async test on one event loop (modules in BOTH_LOOPS on both); "
        "both: every async test on asyncio's loop and on uvloop",
    )


def pytest_asyncio_loop_factories(
    config: pytest.Config, item: pytest.Item
) -> Mapping[str, LoopFactory]:
    if item.nodeid.split("::")[0] in UVLOOP_ONLY:
        return {"uvloop": LOOPS["uvloop"]}
    return LOOPS


def pytest_xdist_auto_num_workers(config: pytest.Config) -> int | None:
    """`-n auto`: one worker more than the cores this process may use (`make test` caps it at
    4), unless PYTEST_XDIST_AUTO_NUM_WORKERS says otherwise. Much of the suite waits on real
    time (a forced stop's grace, servers and subprocesses starting), which leaves a core idle
    with one worker per core: on 2 cores a third worker took the suite from 182 s to 149 s."""
    if os.environ.get("PYTEST_XDIST_AUTO_NUM_WORKERS"):
        return None  # xdist's own hook reads it
    return len(os.sched_getaffinity(0)) + 1


@pytest.hookimpl(wrapper=True)
def pytest_collection(session: pytest.Session) -> Generator[None, object, object]:
    """What collection makes (every module, item and mark: about 400,000 objects a worker)
    lives to the end of the run, so the collector is kept off it: it would walk the growing
    heap again and again as collection makes it (nine full collections, 2.9 s of a worker's
    CPU), and again at each full collection a test makes or allocation sets off (about 175 ms
    each). So collection runs with the collector off, and what it made is frozen out of it.
    What a test makes is collected as in any program."""
    gc.disable()
    try:
        return (yield)
    finally:
        gc.collect()
        gc.freeze()
        gc.enable()
        setattr(gc, "unfreeze", _unfreeze_refused)  # noqa: B010 - the stdlib's, for this run


def _unfreeze_refused() -> None:
    """`gc.unfreeze()` in a test would hand the collector back the heap frozen above, and
    every full collection of the tests after it in that worker would walk it again: one
    such test cost a worker 58 s of collections (benchmarks/RESULTS.md). A test that
    freezes what it made keeps it frozen. (Checking `gc.get_freeze_count()` around each
    test instead costs 8 ms a call: it walks the frozen list.)"""
    raise AssertionError(
        "gc.unfreeze() refused: it would hand the tests after this one the heap conftest "
        "froze after collection; keep what gc.freeze() froze frozen"
    )


def _other_loop(item: pytest.Item) -> bool:
    """Whether `--loops split` leaves `item` out: it is the variant of its test, on the loop
    that the hash of its id without the loop does not pick."""
    callspec = getattr(item, "callspec", None)
    factory = callspec.params.get("_asyncio_loop_factory") if callspec is not None else None
    if factory is None or item.nodeid.startswith(BOTH_LOOPS):
        return False
    loop = next(name for name, made in LOOPS.items() if made is factory)
    base, _, ids = item.nodeid.partition("[")
    parts = ids.removesuffix("]").split("-")
    if loop not in parts:  # a single loop's id is hidden: `UVLOOP_ONLY`, a pinned loop
        return False
    parts.remove(loop)
    return loop != ("asyncio", "uvloop")[zlib.crc32(f"{base}[{'-'.join(parts)}]".encode()) & 1]


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """`--loops split` first: the variants on the other loop are deselected.

    Every test on uvloop takes pytest-timeout's thread method, keeping its time limit: the
    default method's SIGALRM handler raises inside uvloop's own callback, which logs the
    error and runs on, so a test hung on uvloop would never end. The thread method ends the
    process (under xdist, the worker, which xdist replaces), naming the test."""
    if config.getoption("loops") == "split":
        left_out = [item for item in items if _other_loop(item)]
        if left_out:
            config.hook.pytest_deselected(items=left_out)
            dropped = set(map(id, left_out))
            items[:] = [item for item in items if id(item) not in dropped]
    default = float(items[0].config.getini("timeout") or 0) if items else 0.0
    for item in items:
        callspec = getattr(item, "callspec", None)
        if callspec is None or callspec.params.get("_asyncio_loop_factory") is not LOOPS["uvloop"]:
            continue
        marker = item.get_closest_marker("timeout")
        seconds = marker.args[0] if marker is not None and marker.args else default
        item.add_marker(pytest.mark.timeout(seconds, method="thread"), append=False)


LOST = ("exception was never retrieved", "Task was destroyed but it is pending")
"""What asyncio only logs, for a failed future or task nobody awaited: an error nobody saw."""


class _Lost(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.lost: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        text = record.getMessage()
        if any(sign in text for sign in LOST):
            self.lost.append(text)


@pytest.fixture(autouse=True)
def nothing_lost(request: pytest.FixtureRequest) -> Iterator[None]:
    """Fails a test during which asyncio logged a failed future or task nobody awaited: that
    is no warning, so `filterwarnings = error` never sees it, and it hides a lost error. A
    test marked `loses_futures` names a library that leaves one (its reason says which)."""
    handler = _Lost()
    logger = logging.getLogger("asyncio")
    logger.addHandler(handler)
    try:
        yield
    finally:
        logger.removeHandler(handler)
    if handler.lost and request.node.get_closest_marker("loses_futures") is None:
        pytest.fail("asyncio logged an error nobody awaited:\n" + "\n".join(handler.lost))


@pytest.fixture
def collector_paused() -> Iterator[None]:
    """For a test that counts the loop's blocks in real time: late in a worker's run a full
    collection of its heap takes 0.1-0.2 s, a block outside any actor that the watchdog
    rightly counts but that the test did not make (two such tests failed in one run, each
    with one block of 0.13 s "outside its actors' handlers" more than it made, most likely
    such a collection)."""
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def make_clock() -> Callable[[], ManualClock]:
    return ManualClock


def _nats_server() -> Iterator[NatsServer]:
    """A nats-server on a free loopback port. Imported here, not at the top: a test run
    without the NATS extra must still collect every other module."""
    from .nats_support import NatsServer

    running = NatsServer()
    running.start()
    yield running
    running.stop()


@pytest.fixture(scope="module")
def server() -> Iterator[NatsServer]:
    """A nats-server of the module's own."""
    yield from _nats_server()


@pytest.fixture
def own() -> Iterator[NatsServer]:
    """A nats-server of the test's own, to stop, start and reconfigure."""
    yield from _nats_server()


def leftover_tasks() -> set[asyncio.Task[object]]:
    current = asyncio.current_task()
    return {task for task in asyncio.all_tasks() if task is not current and not task.done()}
