"""Typed text shown in a WeChat or WeCom text message must not turn into a link.

Both render ``<a href="…">`` inside a plain text message as a tappable link, so a person's
answer echoed in a digest, a read-back or a meeting's notes could carry a link that
looks as if the bot sent it. Only the ``<`` opening an anchor tag changes, to the
full-width ``＜`` that Chinese text uses anyway, so nothing else a person wrote is altered.
"""

from __future__ import annotations

import re

ANCHOR = re.compile(r"<(?=\s*/?\s*a[\s>/])", re.IGNORECASE)


def defuse_links(text: str) -> str:
    return ANCHOR.sub("＜", text)
