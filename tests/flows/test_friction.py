"""The chat friction of issue 13, as a person meets it in any channel: typed answers read
back, one scale per rating, hints that fit every channel, over-long answers kept.

The channels' own renderings are tried in tests/channels (Telegram, WeChat, WeCom) and
tests/web (the browser chat); these drive the engine as a person would.
"""

from __future__ import annotations

import pytest

from c2cbot.flows.schema import Conversation
from c2cbot.flows.walk import Position
from c2cbot.runtime import Bot
from tests.driver import Driver
from tests.flows.test_engine import at
from tests.flows.walker import ZH, answer_until, answers_of, onboard, position_of, says

NOTED = "Noted: {answer}"
TOO_LONG = (
    "Your answer has {length} characters; this question takes up to {limit}. "
    "I can keep the first {kept} characters, up to “…{ending}”. "
    "Keep them, or send a shorter answer."
)
SENTENCE = "Our city grows greener every year, with parks along the river. "  # 63 characters


async def test_a_typed_multiple_choice_is_read_back_and_a_tapped_one_is_not(
    bot: Bot, member: Driver, conversations: dict[str, Conversation]
) -> None:
    await at(member, conversations, "aim", "challenges")
    labels = [c.label for c in member.last.options]
    replies = await member.send("2 3")
    assert replies[0].text == says(bot, "en", NOTED, answer=f"{labels[1]}, {labels[2]}")
    assert (await position_of(member)) == Position("has_strategy")

    await member.click("Yes")  # a tap is its own echo
    assert not any(r.text.startswith("Noted") for r in member.replies[-2:])


async def test_typed_amounts_and_choices_are_read_back_in_chinese(
    bot: Bot, person: Driver, invite: str, conversations: dict[str, Conversation]
) -> None:
    await onboard(person, conversations, ZH, invite)
    await at(person, conversations, "commit", "priorities")
    labels = [c.label for c in person.last.options]
    replies = await person.send(f"{labels[0]}，{labels[3]}")
    assert replies[0].text == f"已记录：{labels[0]}、{labels[3]}"

    await answer_until(person, conversations["commit"], ZH, "budget")
    replies = await person.send("200万元")
    row = (await answers_of(person, "commit"))[-1]
    assert row.value["value"] == {"amount": "2000000", "currency": "CNY"}
    assert replies[0].text == f"已记录：{row.display}"


async def test_a_rating_shows_one_scale_in_words(
    bot: Bot, member: Driver, conversations: dict[str, Conversation]
) -> None:
    await at(member, conversations, "aim", "impact_rating")
    asked = member.last
    assert "means" not in asked.text  # neither the question's "1 means …" nor a generic one
    assert [c.label for c in asked.options] == [
        "Very little",
        "A little",
        "Somewhat",
        "A lot",
        "A great deal",
    ]
    await member.send("a lot")
    rows = await answers_of(member, "aim")
    assert (rows[-1].question, rows[-1].value["value"]) == ("impact_rating", 4)


@pytest.mark.parametrize(
    ("conversation", "key", "words"),
    [
        ("measure", "partnership_progress", ("Far behind", "Fully on track")),
        ("measure", "alignment", ("No longer fit", "Fit very well")),
        ("replicate", "networking_vital", ("Not important", "Vital")),
        ("kpi_rating", "value", ("Very poor", "Excellent")),
    ],
)
def test_each_rating_question_names_its_own_scale(
    conversations: dict[str, Conversation], conversation: str, key: str, words: tuple[str, str]
) -> None:
    """The scale a question's help used to spell out is the words of its options now."""
    from c2cbot.domain.ratings import SCALE_WORDS, RatingScale  # new with the scales

    question = next(q for q in conversations[conversation].questions if q.id == key)
    scale = SCALE_WORDS[question.scale or RatingScale.QUALITY]
    assert (scale[0], scale[-1]) == words
    assert "means" not in (question.help or "")


async def test_the_multiple_choice_hint_fits_every_channel(
    bot: Bot, member: Driver, conversations: dict[str, Conversation]
) -> None:
    """No "tap" (WeChat has nothing to tap) and no numbers (Telegram's buttons have none)."""
    await at(member, conversations, "aim", "challenges")
    text = member.last.text
    assert "Tap" not in text and "1 3 4" not in text
    assert says(bot, "en", "You can choose more than one.") in text


async def test_a_long_text_question_states_its_limit_up_front(
    bot: Bot, member: Driver, conversations: dict[str, Conversation]
) -> None:
    await at(member, conversations, "aim", "vision")
    assert member.last.text.endswith("Up to 1000 characters.")
    await member.send("A greener city")  # the next question is a multiple choice
    assert "characters" not in member.last.text


async def test_an_over_long_answer_is_offered_cut_and_kept_with_one_tap(
    bot: Bot, member: Driver, conversations: dict[str, Conversation]
) -> None:
    await at(member, conversations, "aim", "vision")
    typed = SENTENCE * 80  # 5,040 characters
    [offer] = await member.send(typed)
    kept = (SENTENCE * 15).rstrip()  # whole sentences: 16 would pass 1,000
    assert offer.text == says(
        bot,
        "en",
        TOO_LONG,
        length=len(typed.strip()),
        limit=1000,
        kept=len(kept),
        ending="every year, with parks along the river.",
    )
    assert [c.label for c in offer.choices] == [f"Keep the first {len(kept)} characters"]
    assert (await position_of(member)) == Position("vision")
    assert [a for a in await answers_of(member, "aim") if a.question == "vision"] == []

    await member.click("Keep the first")
    [row] = [a for a in await answers_of(member, "aim") if a.question == "vision"]
    assert row.value["value"] == kept
    assert (await position_of(member)) == Position("challenges")


async def test_after_an_over_long_answer_a_shorter_one_is_the_answer(
    bot: Bot, member: Driver, conversations: dict[str, Conversation]
) -> None:
    await at(member, conversations, "aim", "vision")
    [offer] = await member.send(SENTENCE * 80)
    replies = await member.send("no")
    assert replies[0].text == "Please send a shorter answer."
    assert (await position_of(member)) == Position("vision")

    await member.send("A greener city")
    [row] = [a for a in await answers_of(member, "aim") if a.question == "vision"]
    assert row.value["value"] == "A greener city"
    stale = await member.press(offer.choices[0].action)  # "Keep" is gone with the question
    assert "earlier question" in stale[0].text


async def test_an_over_long_chinese_answer_is_cut_after_a_full_stop(
    bot: Bot, person: Driver, invite: str, conversations: dict[str, Conversation]
) -> None:
    await onboard(person, conversations, ZH, invite)
    await at(person, conversations, "aim", "vision")
    sentence = "建设绿色低碳、开放包容、宜居宜业的国际化城市。"  # 23 characters
    [offer] = await person.send(sentence * 60)
    assert offer.text.startswith("您的回答共1380个字符，本题最多1000个字符。")
    assert "保留前989个字符" in offer.choices[0].label
    await person.send("1")  # as typed where there are no buttons
    [row] = [a for a in await answers_of(person, "aim") if a.question == "vision"]
    assert row.value["value"] == sentence * 43
