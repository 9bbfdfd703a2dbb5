"""Requests that are not HTTP leave one short line each in the log, not a traceback, and
nothing of what they carried (tokens, people's text)."""

from __future__ import annotations

import logging

import pytest

from c2cbot.runtime import Bot
from tests.security.raw import Raw, exchange

SECRET = "tok-3f9a8b7c6d5e4f3a2b1c"  # stands for any token a request line may carry
PERSONAL = "Zhang Wei"


def malformed(cookie: str, origin: str) -> list[Raw]:
    """Each carries the secret or the personal text where a parser error would quote it."""
    sent = (("Cookie", cookie), ("Origin", origin), ("Content-Type", "application/json"))
    return [
        Raw("", "", head=f"HELLO {SECRET} {PERSONAL}\r\n\r\n".encode()),
        Raw("", "", head=b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03" + b"\x00" * 40),
        Raw("GET", f"/chat?token={SECRET}&name={PERSONAL}".replace(" ", "\x7f")),
        Raw("GET", f"/healthz?token={SECRET}&" + "a" * 9000),
        Raw("GET", "/healthz", (("X-Note", f"{PERSONAL} {SECRET} " + "p" * 9000),)),
        Raw("GET", "/healthz", ((f"Bad Name {PERSONAL}", SECRET),)),
        Raw("GET", "/healthz", tuple((f"X-{n}", SECRET) for n in range(200))),
        Raw(
            "POST",
            "/chat/api/send",
            (("Content-Length", f"{SECRET}"),),
            b"{}",
            content_length=False,
        ),
        Raw(
            "POST",
            "/chat/api/send",
            (*sent, ("Transfer-Encoding", "chunked")),
            f"zz\r\n{PERSONAL}\r\n0\r\n\r\n".encode(),
            content_length=False,
        ),
        Raw(
            "POST",
            "/chat/api/send",
            (*sent, ("Content-Encoding", "gzip")),
            b"\x1f\x8b" + f'{{"id": "{SECRET}", "text": "{PERSONAL}"}}'.encode(),
        ),
        Raw(
            "POST",
            "/chat/api/send",
            sent,
            f'{{"id": "{SECRET}", "text": "{PERSONAL} says hello"}}'.encode(),
            body_sent=20,
        ),
    ]


async def test_malformed_requests_log_one_short_line_each(
    bot: Bot, caplog: pytest.LogCaptureFixture
) -> None:
    url = await bot.start("127.0.0.1", 0)
    port = int(url.rsplit(":", 1)[1])
    page = await exchange("127.0.0.1", port, Raw("GET", "/chat"))
    cookie = page.headers["set-cookie"].split(";")[0]
    requests = malformed(cookie, url)
    caplog.clear()
    with caplog.at_level(logging.INFO):
        for request in requests:
            answer = await exchange("127.0.0.1", port, request)
            assert answer.status is None or 400 <= answer.status < 500, answer.text[:200]
        healthy = await exchange("127.0.0.1", port, Raw("GET", "/healthz"))
    assert healthy.status == 200
    lines = [logging.Formatter("%(name)s %(message)s").format(r) for r in caplog.records]
    assert 0 < len(lines) <= len(requests), lines
    for line in lines:
        assert "\n" not in line and "Traceback" not in line, line
        assert len(line) < 120, line
        assert SECRET not in line and PERSONAL not in line and "p" * 20 not in line, line
