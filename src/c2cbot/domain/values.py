"""Reading the values people type into a chat: numbers, money, ratings, yes and no.

Partners in Europe and China answer the bot with the habits of their own keyboards and
languages: full-width digits, ``12.000`` or ``12,000``, ``1.2万``, ``€1.5m``, ``1.12.2026`` or
``2026年12月1日``. Every parser here accepts those habits, but refuses to *guess*: when a form
could mean two different values it raises :class:`InvalidValue` so the bot asks again instead
of storing a number that is a thousand times off.

Decisions on ambiguous forms:

* A single comma followed by exactly three digits after a one-to-three-digit head is a
  thousands separator (``12,000`` is twelve thousand). Any other single comma is a decimal
  comma (``1,5``, ``0,125``, ``1234,567``).
* A single dot is a decimal point (``1.5``), except that a dot followed by exactly three digits
  after such a head (``1.500``) is refused without a multiplier: in German it means fifteen
  hundred, in English one and a half. With a multiplier it is a decimal point (``1.250m``).
* When both ``,`` and ``.`` appear, the last one is the decimal mark (``1.234,5``, ``1,234.5``).
  Spaces and apostrophes only ever group thousands (``12 000``, ``12'000``).

Dates are read in ``domain/dates.py``.
"""

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation, localcontext

from c2cbot.domain import currencies
from c2cbot.domain.text import N_

__all__ = [
    "InvalidValue",
    "Money",
    "cleaned",
    "normalise",
    "parse_money",
    "parse_number",
    "parse_rating",
    "parse_yes_no",
]

_MAX_LENGTH = 200
_MAX_DIGITS = 30
_PRECISION = 64  # enough for 30 digits scaled by a billion, so arithmetic stays exact
_ONE = Decimal(1)


_TOO_LONG = N_("That answer is too long. Please send a short value.")
_NUMBER_HINT = N_("Please send a number, for example 12000 or 1.2万.")
_CURRENCY_HINT = N_(
    "Please name the currency by its code or sign, for example €1.5m, 5万元, 500 000 SEK or HK$2m."
)
_RATING_HINT = N_("Please send a rating from {low} to {high}.")

# Zero-width characters that copy-paste smuggles into numbers; ZWJ is kept for emoji.
_INVISIBLE = str.maketrans(dict.fromkeys(map(ord, "\u200b\u2060\ufeff")))
# Emoji decorations that do not change what a thumbs-up or check mark means.
_EMOJI_DECORATION = str.maketrans(dict.fromkeys([0xFE0F, *range(0x1F3FB, 0x1F400)]))

_MULTIPLIERS: dict[str, int] = {
    "k": 3,
    "thousand": 3,
    "tsd": 3,
    "tsd.": 3,
    "千": 3,
    "万": 4,
    "十万": 5,
    "m": 6,
    "mn": 6,
    "mio": 6,
    "mio.": 6,
    "million": 6,
    "millions": 6,
    "百万": 6,
    "千万": 7,
    "亿": 8,
    "bn": 9,
    "billion": 9,
    "billions": 9,
    "mrd": 9,
    "mrd.": 9,
}

_YES_NO: dict[str, bool] = {
    **dict.fromkeys(
        ["yes", "y", "yeah", "yep", "true", "ok", "okay", "ja", "oui", "sí", "si"], True
    ),
    **dict.fromkeys(["是", "是的", "对", "对的", "好", "好的", "有", "可以", "行"], True),
    **dict.fromkeys(["✅", "✔", "✓", "☑", "👍"], True),
    **dict.fromkeys(["no", "n", "nope", "nah", "false", "nein", "non"], False),
    **dict.fromkeys(["否", "不", "不是", "没有", "没", "不要", "不对", "不行"], False),
    **dict.fromkeys(["❌", "✖", "✗", "❎", "👎"], False),
}
_ANSWER_PUNCTUATION = " .!。,~"

_FILLED_STARS = frozenset("★⭐🌟")
_STAR_CHARACTERS = _FILLED_STARS | frozenset("☆ ")


def _alternatives(words: Mapping[str, object]) -> str:
    """Longest first, so ``mn`` wins over ``m`` and ``块钱`` over ``块``."""
    return "|".join(re.escape(word) for word in sorted(words, key=len, reverse=True))


_NUMBER = re.compile(
    r"(?P<sign>[+-]?) ?(?P<body>[0-9]+(?:[ ',.][0-9]+)*) ?"
    rf"(?P<suffix>{_alternatives(_MULTIPLIERS)})?",
    re.IGNORECASE,
)
_CURRENCY_FIRST = re.compile(
    rf"(?P<currency>{_alternatives(currencies.WRITTEN)}) ?(?P<rest>.*)", re.IGNORECASE
)
_CURRENCY_LAST = re.compile(
    rf"(?P<rest>.*?) ?(?P<currency>{_alternatives(currencies.WRITTEN)})", re.IGNORECASE
)
_CODE_FIRST = re.compile(r"(?P<code>[^\W\d_]+|\S) ?(?P<rest>.+)")
_CODE_LAST = re.compile(r"(?P<rest>.+?) ?(?P<code>[^\W\d_]+|\S)")
_SIGN = re.compile(r"(?P<sign>[+-]?) ?(?P<rest>.*)")
_RATING = re.compile(
    r"(?P<score>[0-9]{1,3})(?: ?/ ?(?P<scale>[0-9]{1,3}))?(?: ?(?:stars?|sterne?|星|分))?",
    re.IGNORECASE,
)


class InvalidValue(ValueError):
    """An answer the bot cannot use, with a reason it can translate and show to the person.

    ``reason`` is an English message marked with ``N_``; it may contain ``{placeholders}``
    that ``params`` fills in once the message has been translated.
    """

    def __init__(self, reason: str, **params: object) -> None:
        super().__init__(reason)
        self.reason = reason
        self.params: dict[str, object] = params


@dataclass(frozen=True)
class Money:
    """An amount is meaningless without its currency, so the two always travel together."""

    amount: Decimal
    currency: str  # ISO 4217, e.g. "EUR", "CNY"


def normalise(text: str) -> str:
    """Chinese keyboards send full-width forms; compare what people meant, not which keys."""
    folded = unicodedata.normalize("NFKC", text.translate(_INVISIBLE))
    return " ".join(folded.split())


def parse_number(
    text: str,
    *,
    integer: bool = False,
    low: Decimal | None = None,
    high: Decimal | None = None,
) -> Decimal:
    """People write numbers the way their language taught them; accept the habits, never guess."""
    value = _read_number(cleaned(text).replace("\u2212", "-").replace("\u2019", "'"))
    if integer:
        value = _whole_number(value)
    _check_range(value, low, high)
    return value


def parse_money(
    text: str,
    *,
    default_currency: str | None = None,
    home_currency: str | None = None,
    low: Decimal | None = None,
    high: Decimal | None = None,
) -> Money:
    """Budgets arrive as "€1.5m", "RMB 5万", "5万元" or "500 000 kr"; an amount must never
    lose its currency. A sign several currencies share ("kr", "$", "¥") means the writer's
    own (``home_currency``) when it can; an amount without one is in ``default_currency``."""
    sign, rest = _split_sign(cleaned(text).replace("\u2212", "-"))
    written, amount_text = _split_currency(rest)
    amount = _read_amount(sign + amount_text)
    if amount < 0:
        raise InvalidValue(N_("An amount cannot be negative."))
    currency = _currency_meant(written, home_currency) if written else default_currency
    if currency is None:
        raise InvalidValue(N_("Which currency? Please add it, for example 12000 EUR or 5万元."))
    _check_range(amount, low, high)
    return Money(amount, currency)


def _currency_meant(written: str, home: str | None) -> str:
    currency = currencies.meant(written, home)
    if currency is None:
        codes = currencies.written_currencies(written)
        raise InvalidValue(
            currencies.AMBIGUOUS, sign=written, codes=", ".join(codes), example=codes[0]
        )
    return currency


def parse_rating(text: str, low: int = 1, high: int = 5) -> int:
    """Ratings come back as digits, "3/5" or a row of stars; all of them are the same score."""
    clean = cleaned(text).translate(_EMOJI_DECORATION)
    score = _count_stars(clean) if _is_star_row(clean) else _rating_number(clean, high)
    if score is None or not low <= score <= high:
        raise InvalidValue(_RATING_HINT, low=low, high=high)
    return score


def parse_yes_no(text: str) -> bool:
    """Yes/no questions get answered in whatever language or emoji comes to hand first."""
    answer = _YES_NO.get(_bare_answer(cleaned(text)))
    if answer is None:
        raise InvalidValue(N_("Please answer yes or no."))
    return answer


def cleaned(text: str) -> str:
    """Refuse huge inputs before any regex sees them, and again if NFKC blew them up."""
    if len(text) > _MAX_LENGTH or len(clean := normalise(text)) > _MAX_LENGTH:
        raise InvalidValue(_TOO_LONG)
    return clean


def _read_number(text: str) -> Decimal:
    match = _NUMBER.fullmatch(text)
    if match is None:
        raise InvalidValue(_NUMBER_HINT)
    body, suffix = match["body"], match["suffix"]
    if sum(char.isdigit() for char in body) > _MAX_DIGITS:
        raise InvalidValue(N_("That number is too long. Please check it and send it again."))
    value = _read_body(body, multiplied=suffix is not None)
    value = value.copy_negate() if match["sign"] == "-" else value
    return _scale(value, _magnitude(suffix))


def _magnitude(suffix: str | None) -> int:
    if suffix is None:
        return 0
    magnitude = _MULTIPLIERS.get(suffix.lower())
    if magnitude is None:
        raise InvalidValue(_NUMBER_HINT)
    return magnitude


def _read_body(body: str, *, multiplied: bool) -> Decimal:
    """Turn digits with grouping and decimal marks into an exact Decimal."""
    mark = _decimal_mark(body, multiplied=multiplied)
    if mark is None:
        return _decimal(_ungroup(body))
    whole, _, fraction = body.rpartition(mark)
    if not fraction.isdigit():
        raise InvalidValue(_NUMBER_HINT)
    return _decimal(f"{_ungroup(whole)}.{fraction}")


def _decimal_mark(body: str, *, multiplied: bool) -> str | None:
    """Which of ``,`` and ``.`` separates the fraction, or ``None`` for a whole number."""
    marks = [char for char in body if char in ",."]
    if not marks or marks.count(marks[-1]) > 1:
        return None
    if len(set(marks)) == 2 or " " in body or "'" in body:
        return marks[-1]
    return _single_mark(body, marks[-1], multiplied=multiplied)


def _single_mark(body: str, mark: str, *, multiplied: bool) -> str | None:
    """Settle a lone ``,`` or ``.``: it groups thousands only when nothing else makes sense."""
    whole, _, fraction = body.partition(mark)
    if len(fraction) != 3 or not _is_group_head(whole) or (multiplied and mark == "."):
        return mark
    if mark == ",":
        return None
    raise InvalidValue(
        N_(
            "{text} is unclear: it could be a thousand times more or less. "
            "Please send it without a thousands separator, for example 1500 or 1.5."
        ),
        text=body,
    )


def _ungroup(whole: str) -> str:
    """Drop thousands separators, insisting on real groups of three."""
    separators = {char for char in whole if not char.isdigit()}
    if not separators:
        return whole
    groups = whole.split(separators.pop()) if len(separators) == 1 else [""]
    if not _is_group_head(groups[0]) or any(len(group) != 3 for group in groups[1:]):
        raise InvalidValue(_NUMBER_HINT)
    return "".join(groups)


def _is_group_head(digits: str) -> bool:
    return 1 <= len(digits) <= 3 and digits.isdigit() and not digits.startswith("0")


def _decimal(digits: str) -> Decimal:
    try:
        return Decimal(digits)
    except InvalidOperation:
        raise InvalidValue(_NUMBER_HINT) from None


def _scale(value: Decimal, magnitude: int) -> Decimal:
    """Apply a multiplier exactly; "1.5m" should read as 1500000, not 1.5E+6."""
    with localcontext(prec=_PRECISION):
        if magnitude:
            value = value.scaleb(magnitude)
            if value == value.to_integral_value():
                value = value.quantize(_ONE)
        return value.copy_abs() if value.is_zero() else value


def _whole_number(value: Decimal) -> Decimal:
    with localcontext(prec=_PRECISION):
        if value != value.to_integral_value():
            raise InvalidValue(N_("Please send a whole number."))
        return value.quantize(_ONE)


def _check_range(value: Decimal, low: Decimal | None, high: Decimal | None) -> None:
    if low is not None and high is not None and not low <= value <= high:
        raise InvalidValue(N_("Please send a number from {low} to {high}."), low=low, high=high)
    if low is not None and value < low:
        raise InvalidValue(N_("Please send a number of at least {low}."), low=low)
    if high is not None and value > high:
        raise InvalidValue(N_("Please send a number of at most {high}."), high=high)


def _split_sign(text: str) -> tuple[str, str]:
    """Take a sign off the front so "-€5" reaches the negative-amount check, not a parse error."""
    match = _SIGN.fullmatch(text)
    return (match["sign"], match["rest"]) if match else ("", text)


def _split_currency(text: str) -> tuple[str | None, str]:
    """The currency as written ("kr", "HK$", "元") and the rest of the text."""
    first, rest = _strip_currency(_CURRENCY_FIRST, text)
    last, rest = _strip_currency(_CURRENCY_LAST, rest)
    if first and last:
        return _narrower(first, last), rest
    return first or last, rest


def _narrower(first: str, last: str) -> str:
    """ "¥5万元" names one currency twice (元 says which ¥); "€5 kr" names two."""
    meanings = currencies.written_currencies
    if not set(meanings(first)) & set(meanings(last)):
        raise InvalidValue(N_("Please send an amount in one currency only."))
    return min((first, last), key=lambda written: len(meanings(written)))


def _strip_currency(pattern: re.Pattern[str], text: str) -> tuple[str | None, str]:
    match = pattern.fullmatch(text)
    written = match["currency"] if match else None
    if match and written and currencies.written_currencies(written):
        return written, match["rest"]
    return None, text


def _read_amount(text: str) -> Decimal:
    """Parse the amount, but blame an unknown currency rather than the number when that fits."""
    try:
        return parse_number(text)
    except InvalidValue:
        if _names_unknown_currency(text):
            raise InvalidValue(_CURRENCY_HINT) from None
        raise


def _names_unknown_currency(text: str) -> bool:
    for pattern in (_CODE_FIRST, _CODE_LAST):
        match = pattern.fullmatch(text)
        if match and _looks_like_currency(match["code"]) and _is_number(match["rest"]):
            return True
    return False


def _looks_like_currency(code: str) -> bool:
    return code.isalpha() or unicodedata.category(code[0]) == "Sc"


def _is_number(text: str) -> bool:
    try:
        parse_number(text)
    except InvalidValue:
        return False
    return True


def _is_star_row(clean: str) -> bool:
    return bool(clean) and set(clean) <= _STAR_CHARACTERS


def _count_stars(clean: str) -> int:
    return sum(char in _FILLED_STARS for char in clean)


def _rating_number(clean: str, high: int) -> int | None:
    match = _RATING.fullmatch(clean)
    if match is None or (match["scale"] is not None and int(match["scale"]) != high):
        return None
    return int(match["score"])


def _bare_answer(clean: str) -> str:
    """Reduce "Yes!", "是的。" or "👍🏽" to the word or emoji that carries the answer."""
    return clean.translate(_EMOJI_DECORATION).casefold().rstrip(_ANSWER_PUNCTUATION)
