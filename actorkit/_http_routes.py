"""How `serve_http`'s routes reach its endpoints: behind the credentials check, and without
keeping them. aiohttp keeps the middleware chains of the last 1024 handlers it served, with
their applications, for the life of the process: routes that held their endpoints would keep
each closed server's system, with its actors and metrics, as long."""

from __future__ import annotations

import weakref
from collections.abc import Iterable

from aiohttp import web
from aiohttp.typedefs import Handler, Middleware

from ._http_auth import Auth
from ._http_send import send


def application(checked: Auth | None, routes: Iterable[tuple[str, Handler]]) -> web.Application:
    """`GET` of each path answered by its handler, a bound method of endpoints that the
    server's handle holds while it serves."""
    app = web.Application(middlewares=[_authenticate(checked)])
    for path, handler in routes:
        app.router.add_get(path, _weakly(handler))
    return app


def _authenticate(checked: Auth | None) -> Middleware:
    @web.middleware
    async def authenticate(request: web.Request, handler: Handler) -> web.StreamResponse:
        response: web.StreamResponse
        if checked is not None and not checked.accepts(request.headers.get("Authorization", "")):
            response = web.json_response(
                {"error": "unauthorized"},
                status=401,
                headers={"WWW-Authenticate": checked.challenge},
            )
        else:
            try:
                response = await handler(request)
            except web.HTTPException as error:  # a 404 or 405: aiohttp's answer, still ours to send
                await send(request, error)
                raise
        # Written here, not by aiohttp, which would wait for a client that never reads for good.
        return response if response.prepared else await send(request, response)

    return authenticate


def _weakly(handler: Handler) -> Handler:
    held = weakref.WeakMethod(handler)

    async def route(request: web.Request) -> web.StreamResponse:
        bound = held()
        assert bound is not None, "a closed server takes no requests"
        return await bound(request)

    return route
