"""HTTP/1.1 spoken byte by byte over a loopback socket, so a request can be anything:
bytes no client library would send, a body cut short, headers in other encodings."""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass, field

TIMEOUT = 30.0
LATER = 0.2  # seconds before ``Raw.later`` is sent


@dataclass(frozen=True)
class Raw:
    """One request. ``body_sent`` (default: all of ``body``) lets a body be cut short: the
    client then closes its side, as one that crashed or lost its connection would."""

    method: str
    target: str  # path and query, exactly as sent
    headers: tuple[tuple[str | bytes, str | bytes], ...] = ()
    body: bytes = b""
    content_length: bool = True  # add Content-Length (of the whole ``body``)
    body_sent: int | None = None
    head: bytes | None = None  # the whole request head as given, instead of the above
    later: bytes = b""  # sent a moment after the rest, once the handler is reading
    patience: float | None = None  # seconds to wait for an answer before hanging up

    def encoded(self, host: str) -> bytes:
        if self.head is not None:
            return self.head + self.body[: self.body_sent]
        lines = [f"{self.method} {self.target} HTTP/1.1".encode("latin-1", "surrogateescape")]
        names = {_text(name).lower() for name, _ in self.headers}
        extra: list[tuple[str | bytes, str | bytes]] = []
        if "host" not in names:
            extra.append(("Host", host))
        if self.content_length and "content-length" not in names:
            extra.append(("Content-Length", str(len(self.body))))
        extra.append(("Connection", "close"))
        for name, value in (*self.headers, *extra):
            lines.append(_bytes(name) + b": " + _bytes(value))
        head = b"\r\n".join(lines) + b"\r\n\r\n"
        sent = self.body if self.body_sent is None else self.body[: self.body_sent]
        return head + sent


@dataclass
class Answer:
    """What came back: the status (``None`` if the server answered nothing), head and body."""

    status: int | None
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")


async def exchange(host: str, port: int, request: Raw) -> Answer:
    """Send ``request`` on a fresh connection and read the answer until the server closes."""
    reader, writer = await asyncio.open_connection(host, port)
    try:
        writer.write(request.encoded(f"{host}:{port}"))
        await writer.drain()
        if request.later:
            await asyncio.sleep(LATER)
            writer.write(request.later)
            await writer.drain()
        if request.body_sent is not None and writer.can_write_eof():
            writer.write_eof()  # a truncated body: nothing more is coming
        try:
            data = await asyncio.wait_for(_read_all(reader), request.patience or TIMEOUT)
        except TimeoutError:
            if request.patience is None:
                raise
            data = b""  # the client gives up and hangs up, as a real one would
    finally:
        writer.close()
        with contextlib.suppress(ConnectionError):
            await writer.wait_closed()
    return parse(data)


async def _read_all(reader: asyncio.StreamReader) -> bytes:
    chunks = []
    with contextlib.suppress(ConnectionError):
        while chunk := await reader.read(65536):
            chunks.append(chunk)
    return b"".join(chunks)


def parse(data: bytes) -> Answer:
    while data.startswith(b"HTTP/1.1 1"):  # an interim answer (100 Continue) first
        data = data.partition(b"\r\n\r\n")[2]
    if not data.startswith(b"HTTP/1."):
        return Answer(None, body=data)
    head, _, body = data.partition(b"\r\n\r\n")
    status_line, *header_lines = head.decode("latin-1").split("\r\n")
    headers = {}
    for line in header_lines:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    if headers.get("transfer-encoding", "").lower() == "chunked":
        body = _unchunked(body)
    return Answer(int(status_line.split()[1]), headers, body)


def _unchunked(body: bytes) -> bytes:
    out, rest = [], body
    while rest:
        size_line, _, rest = rest.partition(b"\r\n")
        size = int(size_line.split(b";")[0] or b"0", 16)
        if size == 0:
            break
        out.append(rest[:size])
        rest = rest[size + 2 :]
    return b"".join(out)


def _text(value: str | bytes) -> str:
    return value if isinstance(value, str) else value.decode("latin-1")


def _bytes(value: str | bytes) -> bytes:
    return value if isinstance(value, bytes) else value.encode("utf-8", "surrogateescape")
