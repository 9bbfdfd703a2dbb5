"""Golden files: each digest, in each language pair and markup, exactly as it is posted.

A change to the wording, the layout or the formatting shows up as a diff of these
files. After an intended change, regenerate them with ``C2C_UPDATE_GOLDEN=1 pytest
tests/digests/test_golden.py`` and read the diff before committing it.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Sequence
from pathlib import Path

import pytest

from c2cbot.digests import Markup, render_meeting, render_weekly
from c2cbot.i18n import Catalogues
from tests.digests import samples

GOLDEN = Path(__file__).parent / "golden"
UPDATE = os.environ.get("C2C_UPDATE_GOLDEN") == "1"
BREAK = "\n\n----- next message -----\n\n"

PAIRS: dict[str, tuple[str, ...]] = {
    "en-zh": ("en", "zh_Hans"),
    "de-zh": ("de", "zh_Hans"),
    "zh": ("zh_Hans",),
}
Render = Callable[[Sequence[str], Markup, Catalogues], list[str]]
DIGESTS: dict[str, Render] = {
    "weekly": lambda langs, markup, texts: render_weekly(samples.weekly(), langs, markup, texts),
    "quiet": lambda langs, markup, texts: render_weekly(samples.quiet_week(), langs, markup, texts),
    "meeting": lambda langs, markup, texts: render_meeting(
        samples.meeting(), langs, markup, texts, samples.NOW
    ),
}


@pytest.mark.parametrize("markup", list(Markup), ids=lambda m: m.value)
@pytest.mark.parametrize("pair", PAIRS)
@pytest.mark.parametrize("digest", DIGESTS)
def test_digest_matches_its_golden_file(
    digest: str, pair: str, markup: Markup, texts: Catalogues
) -> None:
    rendered = BREAK.join(DIGESTS[digest](PAIRS[pair], markup, texts)) + "\n"
    path = GOLDEN / f"{digest}-{pair}-{markup.value}.txt"
    if UPDATE:
        GOLDEN.mkdir(exist_ok=True)
        path.write_text(rendered, encoding="utf-8")
    assert path.exists(), f"no golden file {path.name}: run with C2C_UPDATE_GOLDEN=1"
    assert rendered == path.read_text(encoding="utf-8")


CJK = "\u3400-\u9fff"
#: An ASCII comma, colon or bracket between Chinese words: "上海: 王芳", "A, 成都", "李明 (成都)".
ASCII_BETWEEN_CJK = re.compile(rf"[{CJK}][,:;] ?\S|\S[,:;] ?[{CJK}]|[{CJK}] ?\(|\) ?[{CJK}]")


@pytest.mark.parametrize("digest", DIGESTS)
def test_a_chinese_digest_has_chinese_punctuation(digest: str, texts: Catalogues) -> None:
    """Lists, labels and names with their city in a Chinese group: 、 ： （） only."""
    for message in DIGESTS[digest](("zh_Hans",), Markup.PLAIN, texts):
        for line in message.splitlines():
            assert not ASCII_BETWEEN_CJK.search(line), line
