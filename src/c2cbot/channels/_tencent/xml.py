"""Reading WeChat's XML safely: no DTDs, no entities of any kind, a size limit.

WeChat and WeCom callbacks are XML from the internet; an entity declaration is never
legitimate there, so any ``<!`` markup other than CDATA is refused before parsing.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

MAX_BODY = 1024 * 1024
_DECLARATION = re.compile(rb"<!(?!\[CDATA\[)")
# An XML declaration naming its encoding: only UTF-8 is WeChat's (and ours).
_ENCODING = re.compile(rb"""^<\?xml[^>]*\bencoding\s*=\s*["']([A-Za-z0-9._-]+)["']""")
_BOMS = (b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")


class UnsafeXml(ValueError):
    """The body is not a plain WeChat XML message."""


def read_message(body: bytes) -> dict[str, str]:
    """The child elements of ``<xml>`` as text, e.g. {"MsgType": "text", "Content": "你好"}."""
    if len(body) > MAX_BODY:
        raise UnsafeXml("body too large")
    _only_utf8(body)
    if _DECLARATION.search(body):
        raise UnsafeXml("declarations (DOCTYPE, ENTITY) are not allowed")
    try:
        root = ET.fromstring(body)  # noqa: S314 - declarations were refused above
    except ET.ParseError as error:
        raise UnsafeXml(f"malformed XML: {error}") from None
    if root.tag != "xml":
        raise UnsafeXml("the root element must be <xml>")
    return {child.tag: (child.text or "") for child in root}


def _only_utf8(body: bytes) -> None:
    """Refuse any other encoding before parsing: the checks above read bytes as UTF-8, and
    a UTF-16 body (or a declared one) would carry a DOCTYPE past them unseen."""
    if body.startswith(_BOMS) or b"\x00" in body:  # NUL: UTF-16 or UTF-32 without a mark
        raise UnsafeXml("a byte order mark: the body must be plain UTF-8")
    declared = _ENCODING.match(body.lstrip())
    if declared and declared.group(1).lower().replace(b"_", b"-") not in (b"utf-8", b"utf8"):
        raise UnsafeXml("the body must be UTF-8")
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        raise UnsafeXml("the body is not UTF-8") from None
