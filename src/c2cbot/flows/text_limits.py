"""How long a typed answer may be: said up front, and where an over-long one is cut.

People write long answers on a laptop and paste them into a chat; a limit stated only
after the fact costs them the text. So long text questions say their limit in the
hint, and an over-long answer is cut where a sentence (else a word) ends, for the
person to keep or replace (``flows/too_long.py``).
"""

from __future__ import annotations

import re
from collections.abc import Callable

from c2cbot.domain.text import N_
from c2cbot.flows.schema import Question

LIMIT = N_("Up to {limit} characters.")
#: Questions taking fewer characters (a name, an organisation) ask for something short
#: anyway: their limit in the hint would only be noise.
LONG_TEXT = 200
#: A cut goes back at most this share of the limit to end on a sentence or a word.
_REACH = 0.4
_SENTENCE_END = re.compile(r"[.!?…;](?=\s|$)|[。！？；]|\n")
_WORD_END = re.compile(r"\s+")


def limit_hint(question: Question, translate: Callable[..., str]) -> str:
    """``Up to 1000 characters.`` for a long text question, nothing for a short one."""
    if question.max_length < LONG_TEXT:
        return ""
    return translate(LIMIT, limit=question.max_length)


def first_part(text: str, limit: int) -> str:
    """The first at most ``limit`` characters of ``text``, ending where a sentence ends,
    else where a word ends, else (Chinese without punctuation) at the limit itself."""
    head = text[:limit]
    if len(text) <= limit:
        return head
    earliest = int(limit * (1 - _REACH))
    sentences = [m.end() for m in _SENTENCE_END.finditer(head) if m.end() >= earliest]
    if sentences:
        return head[: sentences[-1]].rstrip()
    words = [m.start() for m in _WORD_END.finditer(head) if m.start() >= earliest]
    return head[: words[-1]] if words else head


def last_words(text: str, length: int = 40) -> str:
    """The end of ``text`` to show where a cut falls: whole words where there are any."""
    if len(text) <= length:
        return text
    tail = text[-length:]
    space = tail.find(" ")
    return tail[space + 1 :] if 0 <= space < length // 2 else tail
