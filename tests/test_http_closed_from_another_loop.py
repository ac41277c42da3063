"""`server.close()` run on an event loop in another thread is refused with `RuntimeError`
saying how to hand it to the system's loop, before anything changes, as `serve_http` is
(docs/api.md §1). Before, it began closing the endpoint on that other loop: with a client
connected, it failed midway with asyncio's "attached to a different loop", the endpoint left
half closed, its connection open, and no longer among those the system's shutdown closes."""

from __future__ import annotations

import asyncio

import aiohttp

from actorkit import ActorSystem

from .test_embedding_wrong_thread import HANDED, on_another_loop


async def test_close_run_on_another_event_loop_is_refused_and_the_endpoint_still_serves() -> None:
    async with asyncio.timeout(10), ActorSystem("watched") as system:
        server = await system.serve_http(port=0)
        async with aiohttp.ClientSession() as session:  # a kept-alive connection
            async with session.get(f"{server.url}/healthz") as answer:
                assert answer.status == 200
            error = await on_another_loop(server.close)
            assert isinstance(error, RuntimeError), error
            assert "server.close() of actor system 'watched'" in str(error)
            assert "another event loop" in str(error) and HANDED in str(error)
            async with session.get(f"{server.url}/healthz") as answer:  # untouched
                assert answer.status == 200
        await server.close()  # on its own loop
        assert await on_another_loop(server.close) is None  # closed: nothing left to change
        async with aiohttp.ClientSession() as session:
            try:
                async with session.get(f"{server.url}/healthz") as answer:
                    raise AssertionError(f"still served after close: {answer.status}")
            except aiohttp.ClientConnectionError:
                pass
