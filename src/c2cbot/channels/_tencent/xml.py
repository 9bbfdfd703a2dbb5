"""Reading WeChat's XML safely: no DTDs, no entities of any kind, a size limit.

WeChat and WeCom callbacks are XML from the internet; an entity declaration is never
legitimate there, so any ``<!`` markup other than CDATA is refused before parsing.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

MAX_BODY = 1024 * 1024
_DECLARATION = re.compile(rb"<!(?!\[CDATA\[)")


class UnsafeXml(ValueError):
    """The body is not a plain WeChat XML message."""


def read_message(body: bytes) -> dict[str, str]:
    """The child elements of ``<xml>`` as text, e.g. {"MsgType": "text", "Content": "你好"}."""
    if len(body) > MAX_BODY:
        raise UnsafeXml("body too large")
    if _DECLARATION.search(body):
        raise UnsafeXml("declarations (DOCTYPE, ENTITY) are not allowed")
    try:
        root = ET.fromstring(body)  # noqa: S314 - declarations were refused above
    except ET.ParseError as error:
        raise UnsafeXml(f"malformed XML: {error}") from None
    if root.tag != "xml":
        raise UnsafeXml("the root element must be <xml>")
    return {child.tag: (child.text or "") for child in root}
