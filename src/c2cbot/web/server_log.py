"""aiohttp's server log, with one short line for each request that is not HTTP.

The internet sends the bot's port plenty that is not HTTP: scanners, TLS to a plain port,
over-long or broken headers, bodies that do not match their framing. aiohttp answers
each with 400 and logs it at ERROR with the whole traceback of its parser, which tells
nothing about the bot, buries the errors that do, and quotes the request line with its
query (tokens, people's text). Those become one line at INFO naming only the kind of
error; everything else is logged as aiohttp logs it.
"""

from __future__ import annotations

import logging
from typing import Any

from aiohttp.http_exceptions import HttpProcessingError
from aiohttp.web import RequestPayloadError

MALFORMED = (HttpProcessingError, RequestPayloadError)


class ServerLog(logging.LoggerAdapter[logging.Logger]):
    """The web server's ``logger`` (``web.AppRunner(…, logger=ServerLog())``)."""

    def __init__(self, logger: logging.Logger | None = None) -> None:
        super().__init__(logger or logging.getLogger("aiohttp.server"))

    def log(self, level: int, msg: object, *args: object, **kwargs: Any) -> None:
        error = kwargs.get("exc_info")
        if isinstance(error, MALFORMED):  # aiohttp's parser refused the request or its body
            level = min(level, logging.INFO)
            super().log(level, "refused a malformed HTTP request (%s)", type(error).__name__)
            return
        super().log(level, msg, *args, **kwargs)
