"""The catalogues as the bot loads them, for every digest test."""

from __future__ import annotations

import pytest

from c2cbot.config import DEFAULT_HOME
from c2cbot.digests import chart
from c2cbot.i18n import Catalogues


@pytest.fixture(scope="session")
def texts() -> Catalogues:
    return Catalogues(DEFAULT_HOME / "locale")


@pytest.fixture
def cjk_font() -> str:
    """The font charts are drawn with; the test is skipped where none is installed."""
    chart.cjk_font.cache_clear()
    font = chart.cjk_font()
    if font is None:
        pytest.skip("no font with Chinese glyphs here (CI installs fonts-wqy-zenhei)")
    return font
