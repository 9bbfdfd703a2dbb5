"""Tencent's HTTP API as WeChat and WeCom both speak it: one aiohttp session, access
tokens shared through the vault, and one retry after refreshing a rejected token.

Both platforms take the app secret and the access token in URLs, so nothing logged or
raised here carries them: texts are scrubbed, and an error raised by aiohttp is raised
anew outside its ``except`` block, without it as context (its text may quote the URL).
wechatpy's own client is synchronous, so it is not used.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import aiohttp

from c2cbot.channels.base import DeliveryError, TokenVault

log = logging.getLogger(__name__)

REDACTED = "<redacted>"
SECRET_IN_URL = re.compile(r"(access_token|corpsecret)=[^&\s'\"]*")
DEFAULT_TOKEN_SECONDS = 7200


def scrub(text: str, secrets: Iterable[str | None]) -> str:
    """``text`` without any of ``secrets`` and without credentials in query strings."""
    for secret in secrets:
        if secret:
            text = text.replace(secret, REDACTED)
    return SECRET_IN_URL.sub(rf"\1={REDACTED}", text)


def errcode(answer: Mapping[str, Any]) -> int:
    """The answer's error code (0: fine); one that is not a number counts as "busy" (-1)."""
    try:
        return int(answer.get("errcode") or 0)
    except (TypeError, ValueError):
        return -1


class ApiError(Exception):
    """The platform answered with a non-zero ``errcode``; ``errmsg`` is scrubbed."""

    def __init__(self, errcode: int, errmsg: str) -> None:
        super().__init__(f"errcode {errcode}: {errmsg}")
        self.errcode, self.errmsg = errcode, errmsg


@dataclass(frozen=True)
class Upload:
    """A file for media/upload, sent as multipart form data."""

    data: bytes
    filename: str
    content_type: str


@dataclass(frozen=True)
class Account:
    """Who calls, and how it gets an access token (GET ``token_path`` with ``token_query``)."""

    platform: str  # "WeChat" or "WeCom", for messages
    api_url: str
    vault_key: str
    token_path: str
    token_query: Mapping[str, str]
    secret: str
    token_errors: frozenset[int]  # codes that mean "refresh the access token"


TokenRefused = Callable[[int, str], Exception]  # what a refused token request raises


@dataclass(frozen=True)
class Timing:
    """``cache_seconds``: how long a token read from the vault is used without reading again."""

    request_timeout: float = 10.0
    cache_seconds: float = 0.0


Body = Mapping[str, Any] | Upload | None


class TencentApi:
    """A thin client: ``call`` returns the answer or raises ``ApiError`` / ``DeliveryError``."""

    def __init__(
        self,
        account: Account,
        vault: TokenVault,
        token_refused: TokenRefused,
        monotonic: Callable[[], float],
        timing: Timing | None = None,
    ) -> None:
        self._account, self._vault, self._token_refused = account, vault, token_refused
        self._monotonic, self._timing = monotonic, timing or Timing()
        self._base = account.api_url if account.api_url.endswith("/") else account.api_url + "/"
        self._session: aiohttp.ClientSession | None = None
        self._token: str | None = None
        self._token_read_at = 0.0
        self._refreshing = asyncio.Lock()

    async def call(
        self, path: str, body: Body = None, query: Mapping[str, str] | None = None
    ) -> dict[str, Any]:
        """POST ``body`` (GET without one); a rejected token is refreshed and tried once more."""
        token = await self._access_token()
        answer = await self._request(path, {**(query or {}), "access_token": token}, body)
        if errcode(answer) in self._account.token_errors:
            log.info(
                "%s rejected the access token (errcode %s); refreshing",
                self._account.platform,
                errcode(answer),
            )
            token = await self._refresh(stale=token)
            answer = await self._request(path, {**(query or {}), "access_token": token}, body)
        if errcode(answer):
            raise ApiError(errcode(answer), self.scrub(str(answer.get("errmsg", ""))))
        return answer

    async def _access_token(self) -> str:
        """The shared token: kept in memory a while, else read or refreshed in the vault."""
        age = self._monotonic() - self._token_read_at
        if self._token is not None and age < self._timing.cache_seconds:
            return self._token
        stored = await self._vault.current(self._account.vault_key)
        if stored is None:
            return await self._refresh(stale=None)
        self._token, self._token_read_at = stored, self._monotonic()
        return stored

    async def _refresh(self, stale: str | None) -> str:
        """One refresh at a time here, and the vault's lock across instances."""
        async with self._refreshing:
            if self._token is not None and self._token != stale:
                return self._token
            token = await self._vault.refresh(self._account.vault_key, stale, self._fetch_token)
            self._token, self._token_read_at = token, self._monotonic()
            return token

    async def _fetch_token(self) -> tuple[str, int]:
        answer = await self._request(self._account.token_path, self._account.token_query)
        token = answer.get("access_token")
        if errcode(answer) or not isinstance(token, str) or not token:
            reason = self.scrub(str(answer.get("errmsg", "")))
            log.warning(
                "%s refused an access token (errcode %s)", self._account.platform, errcode(answer)
            )
            raise self._token_refused(errcode(answer), reason)
        return token, int(answer.get("expires_in") or DEFAULT_TOKEN_SECONDS)

    async def _request(
        self, path: str, query: Mapping[str, str], body: Body = None
    ) -> dict[str, Any]:
        """One HTTP call; transport failures become retryable errors without secrets in them."""
        try:
            answer = await self._http(path, query, body)
        except TimeoutError:
            failure = f"{self._account.platform} did not answer {path} in time"
        except (aiohttp.ClientError, ValueError) as error:
            reason = self.scrub(f"{type(error).__name__}: {error}", query.get("access_token"))
            failure = f"calling {self._account.platform} {path} failed: {reason}"
        else:
            if isinstance(answer, dict):
                return answer
            shown = f"HTTP {answer}" if isinstance(answer, int) else "something not an object"
            failure = f"{self._account.platform} answered {path} with {shown}"
        raise DeliveryError(failure)

    async def _http(self, path: str, query: Mapping[str, str], body: Body) -> object:
        """JSON with Chinese as UTF-8 (WeChat shows \\uXXXX escapes literally), or a form."""
        sent: dict[str, Any] = {}
        if isinstance(body, Upload):  # a fresh form each time: aiohttp sends a form once
            form = aiohttp.FormData()
            form.add_field(
                "media", body.data, filename=body.filename, content_type=body.content_type
            )
            sent = {"data": form}
        elif body is not None:
            sent = {
                "data": json.dumps(body, ensure_ascii=False).encode(),
                "headers": {"Content-Type": "application/json; charset=utf-8"},
            }
        verb = "GET" if body is None else "POST"
        async with self._client().request(
            verb, self._base + path, params=query, **sent
        ) as response:
            if response.status != 200:
                return response.status
            answer: object = json.loads(await response.read())
            return answer

    def scrub(self, text: str, token: str | None = None) -> str:
        """``text`` without the app secret or an access token, which travel in URLs."""
        return scrub(text, (self._account.secret, self._token, token))

    def _client(self) -> aiohttp.ClientSession:
        """One session, made on first use: aiohttp wants it made inside the running loop."""
        if self._session is None or self._session.closed:
            timeout = aiohttp.ClientTimeout(total=self._timing.request_timeout)
            self._session = aiohttp.ClientSession(timeout=timeout)
        return self._session

    async def close(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()
        self._session = None
