"""German as the bot speaks it: its name, the hints that lead to it, and its formats.

Telegram sends ``de``, browsers ``de-DE`` or ``de-AT``; all of them must reach the German
catalogue, and numbers, money and dates must read the German way (1.234,5; 1. Dezember).
"""

from datetime import date
from decimal import Decimal

import pytest

from c2cbot.config import DEFAULT_HOME
from c2cbot.i18n import Catalogues

LOCALE = DEFAULT_HOME / "locale"


@pytest.fixture(scope="module")
def catalogues() -> Catalogues:
    return Catalogues(LOCALE)


def test_german_is_offered_after_english_and_chinese(catalogues: Catalogues) -> None:
    assert dict(catalogues.languages) == {"en": "English", "zh_Hans": "简体中文", "de": "Deutsch"}


@pytest.mark.parametrize("hint", ["de", "de-DE", "de_AT", "DE-ch"])
def test_german_hints_choose_german(catalogues: Catalogues, hint: str) -> None:
    assert catalogues.choose_language(hint) == "de"


@pytest.mark.parametrize(
    ("hint", "expected"), [("en-GB", "en"), ("zh-CN", "zh_Hans"), ("fr", "en")]
)
def test_other_hints_are_not_taken_for_german(
    catalogues: Catalogues, hint: str, expected: str
) -> None:
    assert catalogues.choose_language(hint) == expected


def test_german_formats_numbers_money_and_dates(catalogues: Catalogues) -> None:
    assert catalogues.format_number("de", Decimal("1234.5")) == "1.234,5"
    assert catalogues.format_money("de", Decimal("15000"), "EUR") == "15.000,00\xa0€"
    assert catalogues.format_date("de", date(2026, 12, 1)) == "1. Dezember 2026"


def test_german_text_comes_from_the_german_catalogue(catalogues: Catalogues) -> None:
    assert catalogues.gettext("de", "Yes") == "Ja"
    assert catalogues.gettext("de", "Skip") == "Überspringen"
    assert catalogues.gettext("de", "From now on I will write to you in English.") == (
        "Ab jetzt schreibe ich Ihnen auf Deutsch."
    )
