"""What people type into the chat, and what the bot must read from it."""

import contextlib
from collections.abc import Callable
from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from c2cbot.domain.dates import parse_date
from c2cbot.domain.values import (
    InvalidValue,
    Money,
    normalise,
    parse_money,
    parse_number,
    parse_rating,
    parse_yes_no,
)

NUMBER_HINT = "Please send a number, for example 12000 or 1.2万."
AMBIGUOUS = (
    "{text} is unclear: it could be a thousand times more or less. "
    "Please send it without a thousands separator, for example 1500 or 1.5."
)
CURRENCY_HINT = (
    "Please name the currency by its code or sign, for example €1.5m, 5万元, 500 000 SEK or HK$2m."
)
AMBIGUOUS_SIGN = (
    "“{sign}” can mean several currencies ({codes}). Please write the currency's code, "
    "for example 500000 {example}."
)
CURRENCY_MISSING = "Which currency? Please add it, for example 12000 EUR or 5万元."
NEGATIVE = "An amount cannot be negative."
DATE_HINT = "Please send a date such as 2026-12-01, 1.12.2026 or 2026年12月1日."
NO_SUCH_DATE = "That date does not exist: {text}."
YEAR_RANGE = "Please send a date between the years {low} and {high}."
RATING_HINT = "Please send a rating from {low} to {high}."
YES_NO_HINT = "Please answer yes or no."
TOO_LONG = "That answer is too long. Please send a short value."
TOO_MANY_DIGITS = "That number is too long. Please check it and send it again."


def rejects(call: Callable[[], object]) -> InvalidValue:
    with pytest.raises(InvalidValue) as caught:
        call()
    return caught.value


# --- InvalidValue and normalise -------------------------------------------------------------


def test_invalid_value_keeps_reason_and_params() -> None:
    error = InvalidValue("From {low} to {high}.", low=1, high=5)
    assert isinstance(error, ValueError)
    assert (error.reason, error.params) == ("From {low} to {high}.", {"low": 1, "high": 5})


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("１２３", "123"),
        ("，", ","),
        ("  12   000 ", "12 000"),
        ("ＥＵＲ\u3000１，５００", "EUR 1,500"),
        ("\t1\n2\u00a03", "1 2 3"),
        ("12\u200b000", "12000"),
        ("￥５万", "¥5万"),
        ("", ""),
    ],
)
def test_normalise(text: str, expected: str) -> None:
    assert normalise(text) == expected


@given(st.text(max_size=50))
def test_normalise_is_idempotent(text: str) -> None:
    assert normalise(normalise(text)) == normalise(text)


# --- parse_number ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("12000", "12000"),
        ("12,000", "12000"),
        ("12 000", "12000"),
        ("12'000", "12000"),
        ("12’000", "12000"),
        ("12\u202f000", "12000"),
        ("1,234,567", "1234567"),
        ("1.234.567", "1234567"),
        ("1.5", "1.5"),
        ("-3", "-3"),
        ("−3", "-3"),
        ("+4", "4"),
        ("- 3", "-3"),
        ("1,5", "1.5"),
        ("0,125", "0.125"),
        ("0.125", "0.125"),
        ("1234,567", "1234.567"),
        ("12,0000", "12.0000"),
        ("1234.567", "1234.567"),
        ("1.234,5", "1234.5"),
        ("1,234.5", "1234.5"),
        ("1,234,567.89", "1234567.89"),
        ("1.234.567,89", "1234567.89"),
        ("12 000,50", "12000.50"),
        ("12'000.50", "12000.50"),
        ("1.2万", "12000"),
        ("3亿", "300000000"),
        ("5千", "5000"),
        ("5 万", "50000"),
        ("1,500万", "15000000"),
        ("1.234万", "12340"),
        ("3十万", "300000"),
        ("2百万", "2000000"),
        ("5千万", "50000000"),
        ("10k", "10000"),
        ("10K", "10000"),
        ("2.5 thousand", "2500"),
        ("3 Tsd.", "3000"),
        ("1.5m", "1500000"),
        ("1.5M", "1500000"),
        ("1.5mn", "1500000"),
        ("1.5 million", "1500000"),
        ("2 millions", "2000000"),
        ("1,5 Mio", "1500000"),
        ("1,5 Mio.", "1500000"),
        ("1.250m", "1250000"),
        ("2bn", "2000000000"),
        ("2 billion", "2000000000"),
        ("2 Mrd.", "2000000000"),
        ("1.2345678k", "1234.5678"),
        ("  42  ", "42"),
        ("１２，０００", "12000"),
        ("１．５", "1.5"),
        ("－３", "-3"),
        ("007", "7"),
        ("0", "0"),
        ("-0", "0"),
        ("9" * 30, "9" * 30),
    ],
)
def test_parse_number_accepts(text: str, expected: str) -> None:
    assert parse_number(text) == Decimal(expected)


def test_parse_number_writes_multiplied_values_plainly() -> None:
    assert str(parse_number("1.5m")) == "1500000"
    assert str(parse_number("1.2万")) == "12000"


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "about ten",
        "ten",
        "1..2",
        "1,,2",
        "1.2.3",
        "1,2,3",
        ".5",
        "5.",
        "1,",
        "NaN",
        "nan",
        "Infinity",
        "inf",
        "-Infinity",
        "1e5",
        "1E5",
        "1.5e3",
        "5%",
        "50 %",
        "1,00,000",
        "1 5",
        "0,123,456",
        "1.234.5,6",
        "1,234 567",
        "1.234,567,8",
        "1 234.567,5",
        "1,000 000",
        "--3",
        "+-3",
        "3-",
        "k",
        "万",
        "1.2万亿",
        "5 apples",
        "٣",
        "1/2",
        "½",
        "9" * 31,
        "1,234,567,890,123,456,789,012,345,678,901",
    ],
)
def test_parse_number_rejects(text: str) -> None:
    error = rejects(lambda: parse_number(text))
    assert error.reason in {
        NUMBER_HINT,
        "That number is too long. Please check it and send it again.",
    }


@pytest.mark.parametrize("text", ["1.500", "2.125", "999.999", "-1.500"])
def test_parse_number_refuses_to_guess_a_lone_dot_before_three_digits(text: str) -> None:
    error = rejects(lambda: parse_number(text))
    assert error.reason == AMBIGUOUS
    assert error.params == {"text": text.lstrip("-")}


def test_parse_number_rejects_absurdly_many_digits() -> None:
    error = rejects(lambda: parse_number("1" * 31))
    assert error.reason == TOO_MANY_DIGITS


@pytest.mark.parametrize(
    ("text", "expected"),
    [("12", "12"), ("12,000", "12000"), ("1.5k", "1500"), ("1.0", "1"), ("1.2万", "12000")],
)
def test_parse_number_integer_accepts_whole_numbers(text: str, expected: str) -> None:
    value = parse_number(text, integer=True)
    assert value == Decimal(expected)
    assert value.as_tuple().exponent == 0


@pytest.mark.parametrize("text", ["1.5", "1,5", "0.001", "1.2345k"])
def test_parse_number_integer_rejects_fractions(text: str) -> None:
    assert rejects(lambda: parse_number(text, integer=True)).reason == "Please send a whole number."


def test_parse_number_integer_handles_thirty_digits() -> None:
    assert parse_number("9" * 30, integer=True) == Decimal("9" * 30)


@pytest.mark.parametrize(
    ("text", "low", "high", "reason", "params"),
    [
        ("0", 1, 10, "Please send a number from {low} to {high}.", {"low": 1, "high": 10}),
        ("11", 1, 10, "Please send a number from {low} to {high}.", {"low": 1, "high": 10}),
        ("-1", 0, None, "Please send a number of at least {low}.", {"low": 0}),
        ("2万", None, 10000, "Please send a number of at most {high}.", {"high": 10000}),
    ],
)
def test_parse_number_rejects_out_of_range(
    text: str, low: int | None, high: int | None, reason: str, params: dict[str, object]
) -> None:
    low_bound = None if low is None else Decimal(low)
    high_bound = None if high is None else Decimal(high)
    error = rejects(lambda: parse_number(text, low=low_bound, high=high_bound))
    assert (error.reason, error.params) == (reason, params)


@pytest.mark.parametrize(
    ("text", "low", "high"),
    [("1", 1, 10), ("10", 1, 10), ("5", 5, None), ("5", None, 5), ("-5", None, None)],
)
def test_parse_number_accepts_in_range(text: str, low: int | None, high: int | None) -> None:
    low_bound = None if low is None else Decimal(low)
    high_bound = None if high is None else Decimal(high)
    assert parse_number(text, low=low_bound, high=high_bound) == Decimal(text)


# --- parse_money ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "amount", "currency"),
    [
        ("€1.5m", "1500000", "EUR"),
        ("€ 1.5m", "1500000", "EUR"),
        ("1.5m EUR", "1500000", "EUR"),
        ("1,5 Mio. €", "1500000", "EUR"),
        ("EUR 1,500", "1500", "EUR"),
        ("EUR1500", "1500", "EUR"),
        ("12000 eur", "12000", "EUR"),
        ("12000 Euro", "12000", "EUR"),
        ("12000 euros", "12000", "EUR"),
        ("欧元 3000", "3000", "EUR"),
        ("3000欧元", "3000", "EUR"),
        ("€ 1500 EUR", "1500", "EUR"),
        ("3亿元", "300000000", "CNY"),
        ("3亿 元", "300000000", "CNY"),
        ("CNY 12,000", "12000", "CNY"),
        ("RMB 5万", "50000", "CNY"),
        ("rmb 5万", "50000", "CNY"),
        ("人民币5万", "50000", "CNY"),
        ("5万元", "50000", "CNY"),
        ("5万块", "50000", "CNY"),
        ("5万块钱", "50000", "CNY"),
        ("500 yuan", "500", "CNY"),
        ("¥5万元", "50000", "CNY"),
        ("US$10k", "10000", "USD"),
        ("12000 JPY", "12000", "JPY"),
        ("JPY 12000", "12000", "JPY"),
        ("1.5万 JPY", "15000", "JPY"),
        ("₹500", "500", "INR"),
        ("500₩", "500", "KRW"),
        ("5万港币", "50000", "HKD"),
        ("HK$2m", "2000000", "HKD"),
        ("SEK 500,000", "500000", "SEK"),
        ("500 000 SEK", "500000", "SEK"),
        ("500 000 kronor", "500000", "SEK"),
        ("10 USD", "10", "USD"),
        ("100美元", "100", "USD"),
        ("£2,000", "2000", "GBP"),
        ("2000 gbp", "2000", "GBP"),
        ("2000英镑", "2000", "GBP"),
        ("€0", "0", "EUR"),
        ("-0 EUR", "0", "EUR"),
        ("ＥＵＲ　１，５００", "1500", "EUR"),
    ],
)
def test_parse_money_accepts(text: str, amount: str, currency: str) -> None:
    assert parse_money(text) == Money(Decimal(amount), currency)


@pytest.mark.parametrize(("text", "amount"), [("12000", "12000"), ("1.2万", "12000")])
def test_parse_money_falls_back_to_the_default_currency(text: str, amount: str) -> None:
    assert parse_money(text, default_currency="CNY") == Money(Decimal(amount), "CNY")


@pytest.mark.parametrize(
    ("text", "home", "amount", "currency"),
    [
        ("¥3亿", "CNY", "300000000", "CNY"),
        ("￥3亿", "CNY", "300000000", "CNY"),
        ("¥3亿", "JPY", "300000000", "JPY"),
        ("500 000 kr", "SEK", "500000", "SEK"),
        ("500 000 kr", "DKK", "500000", "DKK"),
        ("$10k", "USD", "10000", "USD"),
        ("$10k", "HKD", "10000", "HKD"),
        ("€10k", "HKD", "10000", "EUR"),  # an unshared sign needs no home
    ],
)
def test_a_shared_sign_means_the_writers_own_currency(
    text: str, home: str, amount: str, currency: str
) -> None:
    assert parse_money(text, home_currency=home) == Money(Decimal(amount), currency)


@pytest.mark.parametrize(("text", "home"), [("500 000 kr", "EUR"), ("$10k", None), ("¥5", "EUR")])
def test_a_shared_sign_that_is_not_the_writers_own_is_asked_about(
    text: str, home: str | None
) -> None:
    refused = rejects(lambda: parse_money(text, home_currency=home))
    assert refused.reason == AMBIGUOUS_SIGN
    assert refused.params["sign"] in text and refused.params["codes"].count(",") >= 1


def test_parse_money_prefers_the_written_currency_to_the_default() -> None:
    assert parse_money("€5", default_currency="CNY") == Money(Decimal(5), "EUR")


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("12000", CURRENCY_MISSING),
        ("1.5m", CURRENCY_MISSING),
        ("-5 EUR", NEGATIVE),
        ("-€5", NEGATIVE),
        ("€-5", NEGATIVE),
        ("−5万元", NEGATIVE),
        ("-5", NEGATIVE),
        ("12000 xyz", CURRENCY_HINT),
        ("100 dollars", CURRENCY_HINT),
        ("€5 USD", "Please send an amount in one currency only."),
        ("¥5 EUR", "Please send an amount in one currency only."),
        ("", NUMBER_HINT),
        ("€", NUMBER_HINT),
        ("EUR", NUMBER_HINT),
        ("about ten", NUMBER_HINT),
        ("about ten euros", NUMBER_HINT),
        ("€1..2", NUMBER_HINT),
        ("NaN EUR", NUMBER_HINT),
        ("€1e5", NUMBER_HINT),
        ("5% EUR", NUMBER_HINT),
        ("€1.500", AMBIGUOUS),
        ("1.500 €", AMBIGUOUS),
    ],
)
def test_parse_money_rejects(text: str, reason: str) -> None:
    assert rejects(lambda: parse_money(text)).reason == reason


def test_parse_money_names_negative_before_a_missing_currency() -> None:
    assert rejects(lambda: parse_money("-5", default_currency="EUR")).reason == NEGATIVE


@pytest.mark.parametrize(
    ("text", "low", "high", "reason"),
    [
        ("€5", Decimal(10), None, "Please send a number of at least {low}."),
        ("€5万", None, Decimal(1000), "Please send a number of at most {high}."),
        ("€5", Decimal(10), Decimal(20), "Please send a number from {low} to {high}."),
    ],
)
def test_parse_money_checks_bounds(
    text: str, low: Decimal | None, high: Decimal | None, reason: str
) -> None:
    assert rejects(lambda: parse_money(text, low=low, high=high)).reason == reason


def test_parse_money_accepts_within_bounds() -> None:
    assert parse_money("€15", low=Decimal(10), high=Decimal(20)) == Money(Decimal(15), "EUR")


# --- parse_date -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-12-01", date(2026, 12, 1)),
        ("2026-12-1", date(2026, 12, 1)),
        ("2026/12/01", date(2026, 12, 1)),
        ("2026.12.01", date(2026, 12, 1)),
        ("1.12.2026", date(2026, 12, 1)),
        ("01.12.2026", date(2026, 12, 1)),
        ("1. 12. 2026", date(2026, 12, 1)),
        ("01/12/2026", date(2026, 12, 1)),
        ("1-12-2026", date(2026, 12, 1)),
        ("2026年12月1日", date(2026, 12, 1)),
        ("2026年12月1号", date(2026, 12, 1)),
        ("2026 年 12 月 1 日", date(2026, 12, 1)),
        ("2026年12月1", date(2026, 12, 1)),
        ("２０２６年１２月１日", date(2026, 12, 1)),
        ("20261201", date(2026, 12, 1)),
        ("  2026-12-01 ", date(2026, 12, 1)),
        ("2028-02-29", date(2028, 2, 29)),
        ("1900-01-01", date(1900, 1, 1)),
        ("2200-12-31", date(2200, 12, 31)),
        ("1. Dezember 2026", date(2026, 12, 1)),
        ("1. Dez. 2026", date(2026, 12, 1)),
        ("3. März 2026", date(2026, 3, 3)),
        ("1. Mai 2026", date(2026, 5, 1)),
        ("1 December 2026", date(2026, 12, 1)),
        ("1st Dec 2026", date(2026, 12, 1)),
        ("December 1, 2026", date(2026, 12, 1)),
        ("sep 30 2026", date(2026, 9, 30)),
    ],
)
def test_parse_date_accepts(text: str, expected: date) -> None:
    assert parse_date(text) == expected


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("2026-02-31", "2026-02-31"),
        ("31.2.2026", "31.2.2026"),
        ("2026年13月1日", "2026年13月1日"),
        ("2026-00-10", "2026-00-10"),
        ("2026-01-00", "2026-01-00"),
        ("2027-02-29", "2027-02-29"),
        ("31/04/2026", "31/04/2026"),
        ("20261301", "20261301"),
        (" ２０２６－０２－３１ ", "2026-02-31"),
        ("31. Februar 2026", "31. Februar 2026"),
        ("April 31, 2026", "April 31, 2026"),
    ],
)
def test_parse_date_rejects_impossible_dates(text: str, shown: str) -> None:
    error = rejects(lambda: parse_date(text))
    assert (error.reason, error.params) == (NO_SUCH_DATE, {"text": shown})


@pytest.mark.parametrize(
    "text",
    [
        "",
        "tomorrow",
        "next Monday",
        "1.12.26",
        "12/1",
        "2026-12",
        "2026-12/01",
        "2026年12月",
        "2026121",
        "202612011",
        "1 Smarch 2026",
        "Dezember 2026",
        "1. 2. Dezember 2026",
        "2026-12-01T10:00",
        "٢٠٢٦-١٢-٠١",
    ],
)
def test_parse_date_rejects_unreadable_text(text: str) -> None:
    assert rejects(lambda: parse_date(text)).reason == DATE_HINT


@pytest.mark.parametrize("text", ["1899-12-31", "2201-01-01", "0001-01-01", "9999-12-31"])
def test_parse_date_rejects_absurd_years(text: str) -> None:
    error = rejects(lambda: parse_date(text))
    assert (error.reason, error.params) == (YEAR_RANGE, {"low": 1900, "high": 2200})


# --- parse_rating ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1", 1),
        ("5", 5),
        ("３", 3),
        ("★★★", 3),
        ("★ ★ ★", 3),
        ("★★★☆☆", 3),
        ("⭐⭐⭐⭐", 4),
        ("⭐️⭐️", 2),
        ("3/5", 3),
        ("3 / 5", 3),
        ("３／５", 3),
        ("4 stars", 4),
        ("1 star", 1),
        ("4 Sterne", 4),
        ("4星", 4),
        ("4分", 4),
        (" 2 ", 2),
    ],
)
def test_parse_rating_accepts(text: str, expected: int) -> None:
    assert parse_rating(text) == expected


@pytest.mark.parametrize(
    "text",
    ["0", "6", "10", "★★★★★★", "☆☆☆", "3/10", "6/5", "", "three", "3.5", "-1", "1000", "★3"],
)
def test_parse_rating_rejects(text: str) -> None:
    error = rejects(lambda: parse_rating(text))
    assert (error.reason, error.params) == (RATING_HINT, {"low": 1, "high": 5})


def test_parse_rating_uses_the_given_scale() -> None:
    assert parse_rating("8/10", low=0, high=10) == 8
    assert parse_rating("0", low=0, high=10) == 0
    error = rejects(lambda: parse_rating("11", low=0, high=10))
    assert error.params == {"low": 0, "high": 10}


# --- parse_yes_no ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "yes",
        "Yes",
        "YES",
        "y",
        "Y",
        "true",
        "yeah",
        "ok",
        "是",
        "是的",
        "是的。",
        "对",
        "好",
        "好的！",
        "有",
        "ja",
        "Ja!",
        "oui",
        "sí",
        "Sí.",
        "✅",
        "👍",
        "👍🏽",
        "✔️",
        "yes!!!",
        "  yes . ",
    ],
)
def test_parse_yes_no_accepts_yes(text: str) -> None:
    assert parse_yes_no(text) is True


@pytest.mark.parametrize(
    "text",
    [
        "no",
        "No",
        "NO",
        "n",
        "false",
        "nope",
        "否",
        "不",
        "不是",
        "没有",
        "不是。",
        "nein",
        "Nein!",
        "non",
        "❌",
        "👎",
        "👎🏿",
        "no.",
        "no！",
    ],
)
def test_parse_yes_no_accepts_no(text: str) -> None:
    assert parse_yes_no(text) is False


@pytest.mark.parametrize(
    "text", ["", "maybe", "yes no", "yes?", "1", "也许", "yess", "不知道", "🤷", "!", "。"]
)
def test_parse_yes_no_rejects(text: str) -> None:
    assert rejects(lambda: parse_yes_no(text)).reason == YES_NO_HINT


# --- every parser ---------------------------------------------------------------------------

PARSERS: list[Callable[[str], object]] = [
    parse_number,
    lambda text: parse_number(text, integer=True, low=Decimal(0), high=Decimal(100)),
    parse_money,
    lambda text: parse_money(text, default_currency="EUR", low=Decimal(1), high=Decimal(10**9)),
    parse_date,
    parse_rating,
    parse_yes_no,
]

TRICKY = st.lists(
    st.sampled_from(
        [
            *"0123456789０１２３.,'’ -+−/kKmMbn万亿千百十元块¥￥€$£年月日号★☆⭐%eEaNI",
            "EUR",
            "RMB",
            "Mio.",
            "mn",
            "欧元",
            "人民币",
            "yes",
            "是",
            "\u200b",
            "\ufe0f",
        ]
    ),
    max_size=40,
).map("".join)


@pytest.mark.parametrize("parse", PARSERS)
@pytest.mark.parametrize("text", ["x" * 201, "1" * 201, " " * 201, "ﷺ" * 20])
def test_every_parser_rejects_long_input_at_once(parse: Callable[[str], object], text: str) -> None:
    assert rejects(lambda: parse(text)).reason == TOO_LONG


@pytest.mark.parametrize("parse", PARSERS)
@given(text=st.text(max_size=250))
def test_every_parser_returns_or_raises_invalid_value_for_any_text(
    parse: Callable[[str], object], text: str
) -> None:
    with contextlib.suppress(InvalidValue):
        parse(text)


@pytest.mark.parametrize("parse", PARSERS)
@given(text=TRICKY)
def test_every_parser_returns_or_raises_invalid_value_for_number_like_text(
    parse: Callable[[str], object], text: str
) -> None:
    with contextlib.suppress(InvalidValue):
        parse(text)


# --- round trips ----------------------------------------------------------------------------


@given(st.integers(min_value=-(10**29), max_value=10**29))
def test_integers_with_thousands_separators_round_trip(number: int) -> None:
    assert parse_number(f"{number:,}") == number
    assert parse_number(f"{number:_}".replace("_", " ")) == number


@given(st.integers(min_value=10**6, max_value=10**29), st.sampled_from(["", "-"]))
def test_integers_with_german_thousands_dots_round_trip(number: int, sign: str) -> None:
    assert parse_number(sign + f"{number:,}".replace(",", ".")) == int(f"{sign}{number}")


@given(st.integers(min_value=1, max_value=999), st.integers(min_value=0, max_value=999))
def test_a_lone_dot_before_three_digits_is_never_guessed(head: int, tail: int) -> None:
    assert rejects(lambda: parse_number(f"{head}.{tail:03d}")).reason == AMBIGUOUS


@given(st.decimals(min_value=-(10**15), max_value=10**15, places=2))
def test_decimals_with_thousands_separators_round_trip(number: Decimal) -> None:
    assert parse_number(f"{number:,}") == number
    german = f"{number:,}".translate(str.maketrans(",.", ".,"))
    assert parse_number(german) == number


@given(st.integers(min_value=-(10**12), max_value=10**12))
def test_integers_with_wan_round_trip(number: int) -> None:
    assert parse_number(f"{number}万") == number * 10000
    assert parse_number(f"{number:,}万") == number * 10000


@given(st.decimals(min_value=0, max_value=10**8, places=4))
def test_decimals_with_wan_round_trip(number: Decimal) -> None:
    assert parse_number(f"{number:f}万") == number * 10000


@given(st.dates(min_value=date(1900, 1, 1), max_value=date(2200, 12, 31)))
def test_dates_round_trip(day: date) -> None:
    assert parse_date(str(day)) == day
    assert parse_date(f"{day.year}年{day.month}月{day.day}日") == day
    assert parse_date(f"{day.day}.{day.month}.{day.year}") == day
    assert parse_date(f"{day:%d/%m/%Y}") == day
    assert parse_date(f"{day:%Y%m%d}") == day
