"""What aiohttp's server logs of a request it could not parse: one DEBUG line naming the
error, never the request's bytes. aiohttp logs such a request at ERROR with the offending
line quoted, so a client whose token ends in a control character would put its token in
every log that collects errors, and any client could fill those logs with lines of its
choosing. The client still gets aiohttp's 400 that says what was wrong."""

from __future__ import annotations

import logging
from typing import Any

from aiohttp.http_exceptions import HttpProcessingError


class ServerLog(logging.LoggerAdapter[logging.Logger]):
    """The `logger` handed to aiohttp's request handlers."""

    def exception(self, msg: object, *args: object, **kwargs: Any) -> None:
        if not self._refused(args, kwargs):
            self.logger.exception(msg, *args, **kwargs)

    def debug(self, msg: object, *args: object, **kwargs: Any) -> None:
        if not self._refused(args, kwargs):
            self.logger.debug(msg, *args, **kwargs)

    def _refused(self, args: tuple[object, ...], kwargs: dict[str, Any]) -> bool:
        error = kwargs.get("exc_info")
        if not isinstance(error, HttpProcessingError):
            return False
        remote = args[0] if args else "?"
        self.logger.debug(
            "bad HTTP request from %s refused (%s %s)", remote, error.code, type(error).__name__
        )
        return True


SERVER_LOG = ServerLog(logging.getLogger("actorkit.http"))
