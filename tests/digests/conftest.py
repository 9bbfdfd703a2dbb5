"""The catalogues as the bot loads them, for every digest test."""

from __future__ import annotations

from pathlib import Path

import pytest

from c2cbot.i18n import Catalogues

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def texts() -> Catalogues:
    return Catalogues(ROOT / "locale")
