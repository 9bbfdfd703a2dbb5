"""The translation and formatting service the engine speaks through (Babel behind it)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from typing import Protocol


class Texts(Protocol):
    @property
    def languages(self) -> Mapping[str, str]:
        """Supported language codes and each language's name in itself."""

    def choose_language(self, hint: str | None) -> str:
        """The supported language closest to a channel's hint, else the default."""

    def gettext(self, language: str, message: str) -> str: ...

    def format_number(self, language: str, value: Decimal) -> str: ...

    def format_money(self, language: str, amount: Decimal, currency: str) -> str: ...

    def format_date(self, language: str, value: date) -> str: ...
