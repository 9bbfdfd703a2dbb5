"""People's text in digests: shown as typed, never read as markup, cut only where it is safe."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from c2cbot.digests import LIMITS, Limit, Markup, render_meeting, render_weekly
from c2cbot.digests.markup import escape
from c2cbot.digests.splitting import split_line, split_sections
from c2cbot.domain.digests import ActionItem, Participant, Written
from c2cbot.i18n import Catalogues
from tests.digests import samples

NASTY = (
    "<script>alert(1)</script> <b>bold</b> &amp; & < > "
    '**stars** __under__ `code` [link](http://evil.example) <font color="info">x</font> '
    "# heading @all @anna_berg"
)
PAIR = ("en", "zh_Hans")
JOINER = "\u2060"


class _Tags(HTMLParser):
    """Which tags a Telegram message opens, and whether they close in order."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.seen: set[str] = set()
        self.balanced = True
        self.text = ""

    def handle_starttag(self, tag: str, attrs: object) -> None:
        self.stack.append(tag)
        self.seen.add(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack.pop() != tag:
            self.balanced = False

    def handle_data(self, data: str) -> None:
        self.text += data


def _parse(message: str) -> _Tags:
    parser = _Tags()
    parser.feed(message)
    parser.close()
    return parser


def _nasty_meeting() -> list[Written]:
    return [Written(NASTY, "en"), Written("下次会议 <在成都> & **举行**", "zh_Hans")]


def test_telegram_html_shows_typed_html_as_text(texts: Catalogues) -> None:
    facts = samples.meeting(decisions=tuple(_nasty_meeting()))
    messages = render_meeting(facts, PAIR, Markup.TELEGRAM_HTML, texts, samples.NOW)
    for message in messages:
        parsed = _parse(message)
        assert parsed.balanced and not parsed.stack
        assert parsed.seen <= {"b", "i"}
    text = "".join(_parse(m).text for m in messages)
    shown = NASTY.replace("@a", "@\u2060a")  # mentions defused with a word joiner
    assert shown in text
    assert "下次会议 <在成都> & **举行**" in text


def test_telegram_mentions_do_not_notify(texts: Catalogues) -> None:
    facts = samples.meeting(decisions=(Written("@all please see @anna_berg", "en"),))
    [message] = render_meeting(facts, PAIR, Markup.TELEGRAM_HTML, texts, samples.NOW)
    assert re.search(r"@\w", message) is None


def test_wecom_markdown_defuses_what_it_would_act_on(texts: Catalogues) -> None:
    facts = samples.meeting(decisions=tuple(_nasty_meeting()))
    joined = "\n".join(render_meeting(facts, PAIR, Markup.WECOM_MARKDOWN, texts, samples.NOW))
    line = next(line for line in joined.splitlines() if "script" in line)
    typed = line.removeprefix("1. [English] ")
    # No pair of markup characters people typed touches: no **, __, ](, <tag, <@, `…`.
    assert re.search(r"\*\*|__|\]\(|<[a-z/@]|`|@\w", typed) is None
    # WeCom documents no backslash escapes: nothing is added that would show.
    assert "\\" not in typed
    assert typed.replace(JOINER, "").replace("\u02cb", "`") == NASTY
    star = JOINER + "*" + JOINER
    assert f"下次会议 <{JOINER}在成都> & {star * 2}举行{star * 2}" in joined


def test_markdown_line_starts_are_defused() -> None:
    typed = "# not a heading\n> not a quote\n- not a list\n1. not numbered\n2026 is a year"
    escaped = escape(typed, Markup.WECOM_MARKDOWN)
    assert escaped.splitlines() == [
        JOINER + "# not a heading",
        JOINER + "> not a quote",
        JOINER + "- not a list",
        JOINER + "1. not numbered",
        "2026 is a year",
    ]


def test_plain_text_is_left_as_typed(texts: Catalogues) -> None:
    facts = samples.meeting(decisions=tuple(_nasty_meeting()))
    joined = "\n".join(render_meeting(facts, PAIR, Markup.PLAIN, texts, samples.NOW))
    assert NASTY in joined


def test_control_characters_never_reach_a_group() -> None:
    for markup in Markup:
        assert escape("a\x00b\x1b(31mc\u202ed", markup) == "ab(31mcd"


@pytest.mark.parametrize("markup", list(Markup), ids=lambda m: m.value)
@pytest.mark.parametrize(
    "typed",
    [
        "x" * 5000,
        ("A long decision with many words & <tags> " * 120)[:5000],
        "决定" * 2500,
        "&<>" * 1700,
        "*_`[]" * 1000,
    ],
    ids=["one-word", "words", "chinese", "entities", "markdown"],
)
def test_five_thousand_characters_are_split_within_the_limit(
    markup: Markup, typed: str, texts: Catalogues
) -> None:
    facts = samples.meeting(decisions=(Written(typed, "en"), Written("短", "zh_Hans")))
    messages = render_meeting(facts, PAIR, markup, texts, samples.NOW)
    limit = LIMITS[markup]
    assert len(messages) > 1
    assert all(limit.measure(m) <= limit.size for m in messages)
    if markup is Markup.TELEGRAM_HTML:
        parsed = [_parse(m) for m in messages]
        assert all(p.balanced and not p.stack for p in parsed)
        assert typed.strip() in "".join(p.text for p in parsed).replace("\n", "")
    if markup is Markup.PLAIN:
        assert typed.strip() in "".join(messages).replace("\n", "")
    if markup is Markup.WECOM_MARKDOWN:
        shown = "".join(messages).replace("\n", "").replace(JOINER, "").replace("\u02cb", "`")
        assert typed.strip() in shown
        assert all(not re.search(r"\*\*\*|__|\]\(", m) for m in messages)


def test_weekly_long_lists_stay_within_telegram_limit(texts: Catalogues) -> None:
    items = tuple(
        ActionItem(Written(f"Action {n}: " + "details " * 60, "en"), f"Person {n}", "bonn", None)
        for n in range(40)
    )
    silent = tuple(Participant(f"Person {n}", "chengdu") for n in range(60))
    facts = samples.weekly(upcoming=items, overdue=items, silent=silent)
    messages = render_weekly(facts, PAIR, Markup.TELEGRAM_HTML, texts)
    assert all(LIMITS[Markup.TELEGRAM_HTML].measure(m) <= 4096 for m in messages)
    joined = "\n".join(messages)
    assert "… and 25 more" in joined and "……另有 25 项未列出" in joined
    assert "Person 19" in joined and "Person 20" not in joined


def test_sections_stay_whole_when_they_fit() -> None:
    sections = ["a" * 30, "b" * 30, "c" * 30]
    assert split_sections(sections, Limit(70, "bytes")) == ["a" * 30 + "\n\n" + "b" * 30, "c" * 30]


def test_a_cut_closes_and_reopens_tags() -> None:
    line = "<i>[English] " + "word " * 30 + "</i>"
    pieces = split_line(line, Limit(50, "utf16"))
    assert all(p.startswith("<i>") and p.endswith("</i>") for p in pieces)
    assert all(len(p) <= 50 for p in pieces)
    assert "".join(p.removeprefix("<i>").removesuffix("</i>") for p in pieces) == line[3:-4]


def test_a_cut_never_lands_inside_an_entity() -> None:
    line = "&amp;" * 40
    pieces = split_line(line, Limit(23, "utf16"))
    assert all(re.fullmatch(r"(&amp;)+", p) for p in pieces)


@settings(max_examples=60, deadline=None)
@given(st.text(min_size=1, max_size=3000), st.sampled_from(list(Markup)))
def test_any_text_splits_into_pieces_that_fit_and_lose_nothing(text: str, markup: Markup) -> None:
    escaped = escape(text, markup)
    limit = Limit(300, "bytes")
    pieces = split_sections([escaped], limit, markup is not Markup.PLAIN)
    assert all(limit.measure(p) <= limit.size for p in pieces)
    if markup is not Markup.TELEGRAM_HTML:  # HTML pieces may carry reopened tags
        kept = "".join(pieces).replace("\n", "")
        assert kept == "".join(escaped.strip("\n").split("\n")).replace("\n", "")
