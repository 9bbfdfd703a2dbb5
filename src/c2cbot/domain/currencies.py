"""Which currency an amount is in: as written, else the writer's city's, from CLDR.

A city's currency comes from its country (Babel's CLDR territory data, on a given day:
Bulgaria's is the euro from 2026), so Gothenburg reads "500 000 kr" as SEK and Hong Kong
"HK$2m" as HKD. Signs several currencies share ("$", "kr", "¥") mean the writer's own
currency when it is one of them; otherwise the writer is asked to name it, because a
wrong guess would silently change an amount's worth.
"""

from __future__ import annotations

from datetime import date

from babel.numbers import get_territory_currencies, list_currencies

from c2cbot.domain.text import N_

AMBIGUOUS = N_(
    "“{sign}” can mean several currencies ({codes}). Please write the currency's code, "
    "for example 500000 {example}."
)

#: Signs and words people write, and the currencies each may mean (most likely first).
WRITTEN: dict[str, tuple[str, ...]] = {
    "€": ("EUR",),
    "euro": ("EUR",),
    "euros": ("EUR",),
    "欧元": ("EUR",),
    "rmb": ("CNY",),
    "yuan": ("CNY",),
    "元": ("CNY",),
    "块": ("CNY",),
    "块钱": ("CNY",),
    "人民币": ("CNY",),
    "¥": ("CNY", "JPY"),
    "yen": ("JPY",),
    "円": ("JPY",),
    "日元": ("JPY",),
    "$": ("USD", "HKD", "AUD", "CAD", "NZD", "SGD", "TWD"),
    "us$": ("USD",),
    "美元": ("USD",),
    "hk$": ("HKD",),
    "港元": ("HKD",),
    "港币": ("HKD",),
    "a$": ("AUD",),
    "au$": ("AUD",),
    "c$": ("CAD",),
    "ca$": ("CAD",),
    "s$": ("SGD",),
    "nt$": ("TWD",),
    "£": ("GBP",),
    "英镑": ("GBP",),
    "kr": ("SEK", "NOK", "DKK", "ISK"),
    "kr.": ("DKK", "SEK", "NOK", "ISK"),
    "kronor": ("SEK",),
    "kroner": ("NOK", "DKK"),
    "krone": ("NOK", "DKK"),
    "krona": ("SEK", "ISK"),
    "瑞典克朗": ("SEK",),
    "丹麦克朗": ("DKK",),
    "挪威克朗": ("NOK",),
    "zł": ("PLN",),
    "kč": ("CZK",),
    "ft": ("HUF",),
    "lei": ("RON",),
    "fr.": ("CHF",),
    "瑞士法郎": ("CHF",),
    "₩": ("KRW",),
    "韩元": ("KRW",),
    "₹": ("INR",),
    "₺": ("TRY",),
    "₴": ("UAH",),
    "₪": ("ILS",),
}
WRITTEN.update({code.lower(): (code,) for code in list_currencies() if code.isalpha()})


def written_currencies(token: str) -> tuple[str, ...]:
    """The currencies a sign, word or code may mean; empty when it names none."""
    return WRITTEN.get(token.lower(), ())


def country_currency(country: str, on: date) -> str | None:
    """The legal tender of a country (ISO 3166 code) on a day, from CLDR."""
    found = get_territory_currencies(country.upper(), on, tender=True)
    return found[0] if found else None


def meant(token: str, home: str | None) -> str | None:
    """The one currency ``token`` means for someone whose own currency is ``home``.

    ``None`` when the token is ambiguous and ``home`` is not among its meanings: the
    writer has to say which.
    """
    codes = written_currencies(token)
    if len(codes) == 1:
        return codes[0]
    return home if home in codes else None
