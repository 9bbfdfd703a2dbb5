"""The catalogues as the bot loads them, for every digest test."""

from __future__ import annotations

from pathlib import Path

import pytest

from c2cbot.digests import chart
from c2cbot.i18n import Catalogues

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def texts() -> Catalogues:
    return Catalogues(ROOT / "locale")


@pytest.fixture
def cjk_font() -> str:
    """The font charts are drawn with; the test is skipped where none is installed."""
    chart.cjk_font.cache_clear()
    font = chart.cjk_font()
    if font is None:
        pytest.skip("no font with Chinese glyphs here (CI installs fonts-wqy-zenhei)")
    return font
