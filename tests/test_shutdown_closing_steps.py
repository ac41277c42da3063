"""What a shutdown closes after the actors (the store, the NATS link, the HTTP endpoints) is
all closed even when one of them fails to close: a port must not stay open because a store
could not close, and the caller still learns of the failure (API 1, 11)."""

from __future__ import annotations

import asyncio
import logging
import threading

import pytest
from prometheus_client import CollectorRegistry

from actorkit import ActorSystem
from actorkit._shutdown import every_step
from actorkit.persistence import MemoryStore, PersistenceError

from .shutdown_support import BOUND


class FailsToClose(MemoryStore):
    async def close(self) -> None:
        self.close_calls = getattr(self, "close_calls", 0) + 1
        raise OSError("the disk went away")


async def refuses_connections(port: int) -> bool:
    try:
        _, writer = await asyncio.open_connection("127.0.0.1", port)
    except OSError:
        return True
    writer.close()
    return False


async def test_a_store_that_fails_to_close_leaves_no_port_open_and_is_reported() -> None:
    store = FailsToClose()
    async with asyncio.timeout(BOUND):
        system = ActorSystem("closing", store=store)
        await system.start()
        server = await system.serve_http(port=0)
        with pytest.raises(PersistenceError, match="the disk went away"):
            await system.shutdown()
        assert await refuses_connections(server.port)
        with pytest.raises(PersistenceError, match="the disk went away"):
            await system.shutdown()  # a second call waits for the same closing: same outcome
    assert store.close_calls == 1


async def test_leaving_the_block_reports_the_failed_close_after_closing_the_rest() -> None:
    async with asyncio.timeout(BOUND):
        with pytest.raises(PersistenceError, match="closing MemoryStore"):
            async with ActorSystem("closing", store=FailsToClose()) as system:
                server = await system.serve_http(port=0)
        assert await refuses_connections(server.port)


def raised(record: logging.LogRecord) -> BaseException:
    """The exception a record was logged with."""
    assert record.exc_info is not None and record.exc_info[1] is not None
    return record.exc_info[1]


async def fails(why: str) -> None:
    raise RuntimeError(why)


async def test_every_step_runs_after_failures_raises_the_first_and_logs_the_rest(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.ERROR, logger="actorkit")
    ran: list[str] = []

    async def records() -> None:
        ran.append("last")

    steps = iter([fails("first"), fails("second"), records()])
    async with asyncio.timeout(BOUND):
        with pytest.raises(RuntimeError, match="first"):
            await every_step(steps)
    assert ran == ["last"]
    assert [raised(record).args for record in caplog.records if record.exc_info] == [("second",)]


async def test_every_step_cancelled_still_runs_every_step_and_logs_a_failure(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.ERROR, logger="actorkit")
    ran: list[str] = []
    entered = asyncio.Event()

    async def waits() -> None:
        entered.set()
        await asyncio.Event().wait()

    async def records() -> None:
        ran.append("after")

    async with asyncio.timeout(BOUND):
        task = asyncio.ensure_future(every_step(iter([waits(), fails("broken"), records()])))
        await entered.wait()
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
    assert ran == ["after"]
    assert [raised(record).args for record in caplog.records if record.exc_info] == [("broken",)]


class RefusesToStart:
    """A transport whose start fails (a NATS server that cannot be reached)."""

    async def start(self, host: object) -> None:
        raise ConnectionRefusedError("no server there")

    def closing(self) -> None:
        pass

    async def stop(self) -> None:
        pass

    def publish(self, topic: str, message: object) -> None:
        pass

    def expose(self, ref: object, group: str | None = None) -> None:
        pass

    def remote(self, system: str, path: str) -> object:
        raise NotImplementedError

    def remote_group(self, group: str) -> object:
        raise NotImplementedError

    def health(self) -> dict[str, object]:
        return {"state": "closed", "connected": False}


async def test_a_failed_start_raises_its_own_error_when_closing_after_it_fails_too(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.ERROR, logger="actorkit")
    store = FailsToClose()
    async with asyncio.timeout(BOUND):
        system = ActorSystem("closing", store=store, transport=RefusesToStart())  # type: ignore[arg-type]
        with pytest.raises(ConnectionRefusedError, match="no server there"):
            await system.start()
    assert store.close_calls == 1
    assert any("the disk went away" in record.getMessage() for record in caplog.records)


async def test_leaving_the_block_with_an_error_raises_that_error_and_logs_the_failed_close(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.ERROR, logger="actorkit")
    async with asyncio.timeout(BOUND):
        with pytest.raises(KeyError, match="the program's own"):
            async with ActorSystem("closing", store=FailsToClose()) as system:
                server = await system.serve_http(port=0)
                raise KeyError("the program's own")
        assert await refuses_connections(server.port)
    assert any("the disk went away" in record.getMessage() for record in caplog.records)


class RefusesToLetGo(CollectorRegistry):
    """A user's registry whose `unregister` fails (here, as if the collector had been
    unregistered by hand already)."""

    def unregister(self, collector: object) -> None:
        raise KeyError("not registered here")


async def test_a_registry_that_fails_to_let_go_leaves_no_port_open_nor_the_watchdog_running() -> (
    None
):
    async with asyncio.timeout(BOUND):
        system = ActorSystem("closing", registry=RefusesToLetGo())
        await system.start()
        server = await system.serve_http(port=0)
        with pytest.raises(KeyError, match="not registered here"):
            await system.shutdown()
        assert await refuses_connections(server.port)
    assert not any(thread.name == "actorkit-watchdog" for thread in threading.enumerate())
