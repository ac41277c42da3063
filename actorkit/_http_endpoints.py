"""The routes of `serve_http`: `/metrics`, `/healthz` and `/actors` of one system, and the
query `/actors` takes."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from aiohttp import hdrs, web
from multidict import CIMultiDict, MultiMapping
from prometheus_client.exposition import choose_encoder

from ._http_send import PART, send
from ._metric_filter import Exposed
from ._metric_text import written
from ._names import MAX_PATH, check_actor_path
from ._shown import cut, given, shown
from ._tree import NoActorAt
from ._tree_body import tree_body

if TYPE_CHECKING:
    from ._cell import Cell
    from ._system import ActorSystem
    from ._transport import Transport

_LIMIT_DIGITS = 18

FAILURE_LENGTH = 1024
"""The most of the root failure's repr that `/healthz` shows: its type and message, enough
to recognise it (the crash report in the log has it whole). A probe every few seconds must
not carry a message megabytes long each time; Kubernetes reads 10 KiB of a probe's body."""


def _tree_query(query: MultiMapping[str]) -> tuple[str | None, int | None]:
    """`/actors?path=/workers&limit=100`, or the error that says what to pass."""
    unknown = set(query) - {"path", "limit"}
    if unknown:
        raise ValueError(f"unknown parameter {sorted(unknown)[0]!r}: use path= and limit=")
    for name in ("path", "limit"):  # not the first of several, silently
        if (count := len(query.getall(name, ()))) > 1:
            raise ValueError(f"pass {name}= once, got it {count} times")
    path = query.get("path")
    if path is not None and (
        not path.startswith("/") or len(path) > MAX_PATH or not path.isprintable()
    ):
        raise ValueError(
            f"path must be an actor path such as /workers (at most {MAX_PATH} printable "
            f"characters), got {given(path)}"
        )
    if path is not None and path != "/":  # the whole tree at "/"; else one actor's, or 404
        check_actor_path(path)
    limit = query.get("limit")
    if limit is None:
        return path, None
    digits = limit.lstrip("0")
    if not (digits.isascii() and digits.isdigit()):  # nor is "", what 0 and 000 leave
        raise ValueError(f"limit must be a whole number of nodes >= 1, got {limit!r}")
    # Beyond any actor count, and past int()'s 4,300 digits: no limit.
    return path, int(digits) if len(digits) <= _LIMIT_DIGITS else None


class _Endpoints:
    """The three routes of one system.

    Building /metrics or /actors runs on the loop. One at a time, each after a yield, so
    that under many concurrent scrapes the actors run between two of them: message
    handling stalls for one scrape's time at most, not for one per scraper. And each walks
    the live actors a slice per loop turn (`_metric_scrape`, `_tree_body`), so that one
    scrape of a large system holds the loop for a slice at a time, not for the walk; /metrics
    then builds and writes its families a part per turn (`_metric_text`). Uncompressed:
    gzip would run on the loop after the handler, outside that guard, and costs more than
    building the body (measured in benchmarks/scrape_flood.py).
    """

    def __init__(self, system: ActorSystem, root: Cell, transport: Transport | None) -> None:
        self._system = system
        self._root = root
        self._transport = transport
        self._one_at_a_time = asyncio.Lock()
        self._failure: tuple[BaseException, str] | None = None
        self._exposed = Exposed(system.metrics.registry)

    async def healthz(self, request: web.Request) -> web.Response:
        system = self._system
        healthy = system.healthy
        body: dict[str, object] = {
            "status": "ok" if healthy else ("stopping" if system.failure is None else "failed"),
            "system": system.name,
            "actors": system.actor_count,
        }
        if system.failure is not None:
            body["failure"] = self._shown_failure(system.failure)
        if self._transport is not None:
            # A lost NATS connection is "degraded", still 200: the client reconnects by itself
            # and restarting the process would not help. A closed one will not come back. A
            # queue group it could not join is "degraded" too: the rest of it still serves.
            link = body["transport"] = self._transport.health()
            if healthy and (link["state"] != "connected" or link.get("failed_groups")):
                closed = link["state"] == "closed"
                body["status"] = "disconnected" if closed else "degraded"
                healthy = not closed
        return web.json_response(body, status=200 if healthy else 503)

    def _shown_failure(self, failure: BaseException) -> str:
        """Its repr, cut to `FAILURE_LENGTH`, made once: it is the user's code, which may
        raise (still a 503) or take its time building megabytes."""
        if self._failure is None or self._failure[0] is not failure:
            self._failure = (failure, cut(shown(failure), FAILURE_LENGTH))
        return self._failure[1]

    async def metrics(self, request: web.Request) -> web.StreamResponse:
        metrics = self._system.metrics
        async with self._one_at_a_time:
            await asyncio.sleep(0)
            if _gone(request):
                return web.Response(status=503)  # nobody reads it
            query = request.query
            params = {key: query.getall(key) for key in query}
            accept = ",".join(_negotiable(request).headers.getall(hdrs.ACCEPT, ()))
            pieces, content_type = await written(metrics, self._exposed, accept, params, PART)
        # Written once the lock is let go, a part at a time, as /actors is.
        response = web.StreamResponse(headers={hdrs.CONTENT_TYPE: content_type})
        response.content_length = sum(map(len, pieces))
        return await send(request, response, pieces)

    async def actors(self, request: web.Request) -> web.StreamResponse:
        try:
            path, limit = _tree_query(request.query)
        except ValueError as error:
            return web.json_response({"error": str(error)}, status=400)
        async with self._one_at_a_time:
            await asyncio.sleep(0)
            if _gone(request):
                return web.Response(status=503)  # nobody reads it
            try:
                pieces = await tree_body(self._system, self._root, path, limit)
            except NoActorAt as error:
                return web.json_response({"error": str(error)}, status=404)
        # Written once the lock is let go: a client slow to read holds up no other scrape.
        response = web.StreamResponse()
        response.content_type = "application/json"
        response.charset = "utf-8"
        response.content_length = sum(map(len, pieces))
        return await send(request, response, pieces)


def _gone(request: web.Request) -> bool:
    """Whether the client hung up while its request waited its turn. aiohttp runs the
    handler on all the same, and a connection gone no longer counts toward
    `MAX_CONNECTIONS`: clients that connect, ask and leave would queue walks of every actor
    without end, each holding up the scrapes behind it."""
    transport = request.transport
    return transport is None or transport.is_closing()


def _negotiable(request: web.Request) -> web.Request:
    """The request, without its `Accept` header if prometheus_client cannot read the version
    asked for (`version=abc` makes it raise): such a scrape gets the Prometheus text format
    0.0.4, the default any scraper reads, as Prometheus's own Go client answers it."""
    accept = request.headers.getall(hdrs.ACCEPT, ())
    if not accept:
        return request
    try:
        choose_encoder(",".join(accept))
    except (TypeError, ValueError):
        headers = CIMultiDict(request.headers)
        del headers[hdrs.ACCEPT]
        return request.clone(headers=headers)
    return request
