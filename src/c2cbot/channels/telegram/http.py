"""python-telegram-bot's HTTP seam implemented with aiohttp.

PTB's default ``HTTPXRequest`` managed about 105 updates a second on loopback; the
bot already runs aiohttp, whose pooled client is much faster. This module also keeps
the bot token out of every URL PTB sees: the ``Bot`` is given base URLs holding
``TOKEN_PLACEHOLDER`` and the real token is put in only here, at the moment of the
request, so no URL that PTB logs or puts into an exception contains the secret, and
errors raised here are scrubbed of it.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

import aiohttp

# DefaultValue and ODVInput are what PTB's own HTTPXRequest uses for its timeout arguments.
from telegram._utils.defaultvalue import DefaultValue
from telegram._utils.types import ODVInput
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData

TOKEN_PLACEHOLDER = "<token>"  # noqa: S105 - a marker, not a secret
REDACTED = "<redacted>"
FORM = "application/x-www-form-urlencoded"


def token_free_base_url(api_url: str) -> str:
    """``api_url`` in PTB's base_url form with the placeholder where the token goes."""
    if "{token}" in api_url:
        return api_url.replace("{token}", TOKEN_PLACEHOLDER)
    return api_url + TOKEN_PLACEHOLDER


class AiohttpRequest(BaseRequest):
    """A ``BaseRequest`` on one pooled ``aiohttp.ClientSession``, created in ``initialize``."""

    __slots__ = ("_defaults", "_media_write_timeout", "_pool_size", "_session", "_token")

    def __init__(
        self,
        token: str,
        *,
        connection_pool_size: int = 64,
        read_timeout: float | None = 5.0,
        write_timeout: float | None = 5.0,
        connect_timeout: float | None = 5.0,
        pool_timeout: float | None = 1.0,
        media_write_timeout: float | None = 20.0,
    ) -> None:
        self._token = token
        self._pool_size = connection_pool_size
        self._defaults: dict[str, float | None] = {
            "read": read_timeout,
            "write": write_timeout,
            "connect": connect_timeout,
            "pool": pool_timeout,
        }
        self._media_write_timeout = media_write_timeout
        self._session: aiohttp.ClientSession | None = None

    @property
    def read_timeout(self) -> float | None:
        return self._defaults["read"]

    async def initialize(self) -> None:
        if self._session is None or self._session.closed:
            connector = aiohttp.TCPConnector(limit=self._pool_size)
            self._session = aiohttp.ClientSession(
                connector=connector, headers={"User-Agent": self.USER_AGENT}
            )

    async def shutdown(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()
        self._session = None

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        write_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        connect_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        pool_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        if self._session is None or self._session.closed:
            raise RuntimeError("AiohttpRequest is not initialized")
        files = request_data is not None and request_data.contains_files
        timeout = self._timeout(
            read_timeout, write_timeout, connect_timeout, pool_timeout, media=files
        )
        try:
            async with self._session.request(
                method,
                url.replace(TOKEN_PLACEHOLDER, self._token),
                data=_body(request_data),
                timeout=timeout,
            ) as response:
                return response.status, await response.read()
        except TimeoutError:
            raise TimedOut(f"Telegram did not answer {_method(url)} in time") from None
        except aiohttp.ClientError as error:
            raise NetworkError(self._describe(error, url)) from None

    def _timeout(
        self,
        read: ODVInput[float],
        write: ODVInput[float],
        connect: ODVInput[float],
        pool: ODVInput[float],
        *,
        media: bool,
    ) -> aiohttp.ClientTimeout:
        """PTB's four timeouts as aiohttp's; aiohttp has no write timeout, so it caps the total."""
        write_default = self._media_write_timeout if media else self._defaults["write"]
        return _client_timeout(
            self._pick(read, self._defaults["read"]),
            self._pick(write, write_default),
            self._pick(connect, self._defaults["connect"]),
            self._pick(pool, self._defaults["pool"]),
        )

    @staticmethod
    def _pick(value: ODVInput[float], default: float | None) -> float | None:
        return default if isinstance(value, DefaultValue) else value

    def _describe(self, error: Exception, url: str) -> str:
        """The aiohttp error for logs: its class and text, never the token."""
        text = str(error).replace(self._token, REDACTED)
        return f"aiohttp.{type(error).__name__} calling {_method(url)}: {text}"


def _client_timeout(
    read: float | None, write: float | None, connect: float | None, pool: float | None
) -> aiohttp.ClientTimeout:
    """``None`` means no limit, as in PTB; waiting for a pooled connection counts as connecting."""
    waiting = None if pool is None or connect is None else pool + connect
    parts = (waiting, write, read)
    total = None if None in parts else sum(p for p in parts if p is not None)
    return aiohttp.ClientTimeout(total=total, connect=waiting, sock_connect=connect, sock_read=read)


def _method(url: str) -> str:
    """The Bot API method at the end of a URL, the only part of it safe to show."""
    return url.rsplit("/", 1)[-1]


def _body(request_data: RequestData | None) -> Any:
    """Form fields as PTB's HTTPXRequest sends them; multipart only when files go along."""
    if request_data is None:
        return None
    if not request_data.contains_files:
        # Encoded here, as aiohttp's FormData would: a ready payload skips aiohttp's
        # search through its payload types, which cost more than the encoding.
        body = urlencode(request_data.json_parameters).encode()
        return aiohttp.BytesPayload(body, content_type=FORM)
    form = aiohttp.FormData()
    for name, value in request_data.json_parameters.items():
        form.add_field(name, value)
    for name, (filename, content, mimetype) in request_data.multipart_data.items():
        form.add_field(name, content, filename=filename, content_type=mimetype)
    return form
