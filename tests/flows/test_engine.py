"""How the engine behaves around the answers: commands, bad input, buttons, invites, restarts."""

from __future__ import annotations

import asyncio
import itertools
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select, update

from c2cbot.domain.steps import Step
from c2cbot.flows.commands.declaration import Audience
from c2cbot.flows.commands.registry import help_text
from c2cbot.flows.invites import INVITE_PROBLEMS
from c2cbot.flows.messages import Inbound, Outbound
from c2cbot.flows.ports import InviteProblem
from c2cbot.flows.schema import Conversation
from c2cbot.flows.walk import Position, question_at
from c2cbot.runtime import Bot
from c2cbot.store.invites import GUESSES_PER_PERSON
from c2cbot.store.models import InviteCode, Membership, OutboxMessage, Stakeholder
from tests.conftest import make_invite
from tests.driver import Driver
from tests.flows.walker import (
    SENTENCES,
    ZH,
    Walker,
    answer_until,
    answers_of,
    catalogue_ids,
    position_for,
    position_of,
    says,
    stakeholder_id,
    start_step,
    state_of,
)

STALE = "That button belongs to an earlier question. Here is where we are now:"
JOIN_FIRST = "Please join a partnership first: send /start followed by your invite code."
_keys = itertools.count(1)


# ----- helpers


async def at(driver: Driver, conversations: dict[str, Conversation], step: str, key: str) -> Walker:
    """Start ``step`` from the menu and answer up to the question keyed ``key``."""
    await start_step(driver, step)
    return await answer_until(driver, conversations[step], "en", key)


def asks(
    bot: Bot,
    message: Outbound,
    conversation: Conversation,
    key: str,
    language: str = "en",
    progress: tuple[int, int] | None = None,
) -> None:
    """``message`` puts the question keyed ``key`` (its progress line and its prompt);
    ``progress`` where questions are passed over, else its place in the file."""
    position = position_for(key)
    question = question_at(conversation, position)
    number = [q.id for q in conversation.questions].index(position.question) + 1
    number, total = progress or (number, len(conversation.questions))
    first_line = message.text.split("\n", 1)[0]
    assert first_line == f"{says(bot, language, conversation.title)} · {number}/{total}"
    assert says(bot, language, question.prompt) in message.text, message.text


async def row_count(driver: Driver) -> int:
    return len(await answers_of(driver))


async def inbound(
    driver: Driver, *, text: str | None = None, action: str | None = None, key: str | None = None
) -> bool:
    """Hand one message straight to the engine, bypassing the driver's reply bookkeeping."""
    message = Inbound(
        driver.channel, driver.user, driver.user, key or f"e{next(_keys)}", text=text, action=action
    )
    return await driver.bot.engine.handle(message)


async def outbox_count(bot: Bot) -> int:
    async with bot.database.sessions() as session:
        return (await session.execute(select(func.count()).select_from(OutboxMessage))).scalar_one()


# ----- /back, /skip, /cancel


async def test_back_returns_to_the_previous_question_and_keeps_history(
    bot: Bot, member: Driver, conversations: dict[str, Conversation]
) -> None:
    aim = conversations["aim"]
    await start_step(member, "aim")
    await member.send("A greener city")
    assert (await position_of(member)) == Position("challenges")

    replies = await member.send("/back")
    assert len(replies) == 1
    asks(bot, replies[0], aim, "vision")
    assert (await position_of(member)) == Position("vision")

    await member.send("A greener, fairer city")
    assert (await position_of(member)) == Position("challenges")
    rows = await answers_of(member, "aim")
    assert [(r.question, r.value["value"]) for r in rows] == [
        ("vision", "A greener city"),
        ("vision", "A greener, fairer city"),
    ]


async def test_back_at_the_first_question_has_nowhere_to_go(
    bot: Bot, member: Driver, conversations: dict[str, Conversation]
) -> None:
    await start_step(member, "aim")
    replies = await member.send("/back")
    assert replies[0].text == says(bot, "en", "There is no earlier question to go back to.")
    asks(bot, replies[1], conversations["aim"], "vision")
    assert (await position_of(member)) == Position("vision")


async def test_back_from_a_group_item_returns_to_the_add_another_prompt(
    bot: Bot, member: Driver, conversations: dict[str, Conversation]
) -> None:
    await at(member, conversations, "plan", "activities#1.title")
    replies = await member.send("/back")
    assert (await position_of(member)) == Position("activities", 0, more=True)
    assert len(replies[0].choices) == 2
    assert says(bot, "en", "Add another activity?") in replies[0].text


async def test_skip_leaves_out_an_optional_question(
    member: Driver, conversations: dict[str, Conversation]
) -> None:
    await at(member, conversations, "aim", "swot")
    before = await row_count(member)
    await member.send("/skip")
    assert (await position_of(member)) == Position("stakeholders_involved")
    assert await row_count(member) == before
    assert "swot" not in (await state_of(member))["values"]


async def test_skip_button_on_an_optional_question(
    member: Driver, conversations: dict[str, Conversation]
) -> None:
    await at(member, conversations, "aim", "swot")
    assert [c.action.split(":", 1)[1] for c in member.last.choices] == ["/skip"]
    await member.press(member.last.choices[0].action)
    assert (await position_of(member)) == Position("stakeholders_involved")


@pytest.mark.parametrize(("step", "key"), [("aim", "vision"), ("plan", "activities#0?")])
async def test_skip_refuses_a_required_question(
    bot: Bot, member: Driver, conversations: dict[str, Conversation], step: str, key: str
) -> None:
    await at(member, conversations, step, key)
    asked, before = member.last, await row_count(member)
    replies = await member.send("/skip")
    assert replies[0].text == says(
        bot, "en", "This question needs an answer, so it can't be skipped."
    )
    assert replies[1].text == asked.text
    assert (await position_of(member)) == position_for(key)
    assert await row_count(member) == before


async def test_cancel_stops_and_keeps_the_answers(
    bot: Bot, member: Driver, conversations: dict[str, Conversation]
) -> None:
    await at(member, conversations, "aim", "has_strategy")
    replies = await member.send("/cancel")
    assert replies[0].text == says(bot, "en", "Stopped. Everything you answered so far is saved.")
    assert [c.action for c in replies[1].choices][:2] == ["s:aim", "s:commit"]
    assert replies[1].choices[0].label.endswith(" · 2/12")
    state = await state_of(member)
    assert (state["conv"], state["pos"]) == (None, None)
    assert [r.question for r in await answers_of(member, "aim")] == ["vision", "challenges"]

    await start_step(member, "aim")  # starting again lists the answers given so far
    assert [c.action for c in member.last.choices] == ["e:aim:0", "e:aim:1", "e:aim:2"]
    await member.click("Go through all answers")  # from the first question, each one kept
    assert (await position_of(member)) == Position("vision")
    assert [r.question for r in await answers_of(member, "aim")] == ["vision", "challenges"]


# ----- /status, /help, /language, unknown commands


@pytest.mark.parametrize(
    ("step", "key", "number", "total", "next_key"),
    [
        ("aim", "challenges", 2, 12, "has_strategy"),
        ("plan", "activities#1.owner", 4, 8, "activities#1.funding"),
    ],
)
async def test_status_names_the_conversation_and_keeps_the_position(
    bot: Bot,
    member: Driver,
    conversations: dict[str, Conversation],
    step: str,
    key: str,
    number: int,
    total: int,
    next_key: str,
) -> None:
    conversation = conversations[step]
    await at(member, conversations, step, key)
    asked = member.last
    replies = await member.send("/status")
    said, *standing = replies[0].text.split("\n")
    assert said.startswith(
        says(
            bot,
            "en",
            "You are in “{title}”, question {number} of {total}.",
            title=conversation.title,
            number=number,
            total=total,
        )
    )
    assert said.endswith("choose the step again in /steps.")
    assert standing == [
        "Gothenburg–Shanghai",
        "Step 2 of 4: Do",
        "Work path: Continual improvement",
    ]
    assert replies[1].text == asked.text
    assert (await position_of(member)) == position_for(key)
    await Walker(member, conversation, "en").step(position_for(key))  # carries on where it was
    assert (await position_of(member)) == position_for(next_key)


async def test_a_command_in_the_middle_of_a_multi_keeps_the_picks(
    bot: Bot, member: Driver, conversations: dict[str, Conversation]
) -> None:
    await at(member, conversations, "aim", "challenges")
    await member.press(member.last.choices[2].action)  # Water
    replies = await member.send("/status")
    assert replies[0].text.startswith("You are in “Aim: why go international”, question 2 of 12")
    assert [c.selected for c in replies[1].choices][:4] == [False, False, True, False]
    await member.press(member.last.choices[0].action)  # Climate and energy
    await member.press(member.last.choices[-1].action)  # Done
    row = (await answers_of(member, "aim"))[-1]
    assert (row.question, row.value["value"]) == ("challenges", ["water", "climate_energy"])


async def test_status_outside_a_conversation(bot: Bot, member: Driver) -> None:
    replies = await member.send("/status")
    assert replies[0].text == says(bot, "en", "You are not in a conversation right now.")
    assert [c.action for c in replies[1].choices] == [f"s:{s.value}" for s in Step]


async def test_help_lists_the_commands_then_asks_again(
    bot: Bot, member: Driver, conversations: dict[str, Conversation]
) -> None:
    await at(member, conversations, "aim", "has_strategy")
    asked = member.last
    replies = await member.send("/help")
    coordinator = {Audience.EVERYONE, Audience.COORDINATORS}  # Alice coordinates
    assert replies[0].text == help_text(coordinator, lambda text: says(bot, "en", text))
    for command in ("/steps", "/status", "/back", "/skip", "/cancel", "/language", "/help"):
        assert f"\n{command} – " in replies[0].text
    assert replies[1].text == asked.text
    assert (await position_of(member)) == Position("has_strategy")


@pytest.mark.parametrize("how", ["button", "typed"])
async def test_language_switch_asks_the_next_question_in_the_new_language(
    bot: Bot, member: Driver, conversations: dict[str, Conversation], how: str
) -> None:
    aim = conversations["aim"]
    await at(member, conversations, "aim", "challenges")
    if how == "button":
        replies = await member.send("/language")
        assert [(c.action, c.label) for c in replies[0].choices] == [
            ("l:en", "English"),
            ("l:zh_Hans", "简体中文"),
            ("l:de", "Deutsch"),
        ]
        replies = await member.press("l:zh_Hans")
    else:
        replies = await member.send("/language zh_hans")
    assert replies[0].text == says(bot, ZH, "From now on I will write to you in English.")
    asks(bot, replies[1], aim, "challenges", ZH)
    assert [c.label for c in replies[1].choices] == [
        *(says(bot, ZH, o.label) for o in aim.questions[1].options or ()),
        says(bot, ZH, "Done"),
    ]
    assert (await position_of(member)) == Position("challenges")

    await member.send("1 3")
    asks(bot, member.last, aim, "has_strategy", ZH)
    row = (await answers_of(member, "aim"))[-1]
    assert (row.question, row.language, row.value["value"]) == (
        "challenges",
        ZH,
        ["climate_energy", "water"],
    )
    async with bot.database.sessions() as session:
        assert (await session.get_one(Stakeholder, await stakeholder_id(member))).language == ZH


async def test_language_messages_are_in_the_chinese_catalogue(bot: Bot) -> None:
    assert {"From now on I will write to you in English.", JOIN_FIRST, STALE, "Done"} <= (
        catalogue_ids(bot, ZH)
    )


@pytest.mark.parametrize(
    ("typed", "named"),
    [("/frobnicate", "frobnicate"), ("/Frob@c2c_bot now please", "frob"), ("/", "")],
)
async def test_unknown_command_is_named_and_the_question_asked_again(
    bot: Bot, member: Driver, conversations: dict[str, Conversation], typed: str, named: str
) -> None:
    await at(member, conversations, "aim", "challenges")
    asked = member.last
    replies = await member.send(typed)
    assert replies[0].text == says(
        bot,
        "en",
        "I don't know the command /{command}. Send /help to see what I understand.",
        command=named,
    )
    assert replies[1].text == asked.text
    assert (await position_of(member)) == Position("challenges")


# ----- wrong input


NUMBER_HINT = "Please send a number, for example 12000 or 1.2万."
PICK_ONE = "Please choose one of the options."
YES_OR_NO = "Please answer yes or no."
WRONG_INPUT = [
    ("commit", "staff", "about ten", NUMBER_HINT, {}),
    ("commit", "staff", "12.5", "Please send a whole number.", {}),
    ("commit", "staff", "   \t ", NUMBER_HINT, {}),
    (
        "plan",
        "activities#0.start",
        "2026-02-31",
        "That date does not exist: {text}.",
        {"text": "2026-02-31"},
    ),
    (
        "plan",
        "activities#0.start",
        "next spring",
        "Please send a date such as 2026-12-01, 1.12.2026 or 2026年12月1日.",
        {},
    ),
    ("plan", "activities#0?", "perhaps", YES_OR_NO, {}),
    ("commit", "budget", "-5 EUR", "An amount cannot be negative.", {}),
    (  # Alice is in Gothenburg: "$" is not her own currency, so she is asked which
        "commit",
        "budget",
        "$15000",
        "“{sign}” can mean several currencies ({codes}). Please write the currency's code, "
        "for example 500000 {example}.",
        {"sign": "$", "codes": "USD, HKD, AUD, CAD, NZD, SGD, TWD", "example": "USD"},
    ),
    (
        "aim",
        "impact_rating",
        "9",
        "Please send a rating from {low} to {high}.",
        {"low": 1, "high": 5},
    ),
    ("aim", "vision", " \t \n ", "Please type your answer.", {}),
    ("aim", "vision", "\u202e\u200b\x07", "Please type your answer.", {}),
    ("act", "improvements_approved", "7", PICK_ONE, {}),
    (
        "aim",
        "challenges",
        "1 99",
        "“{typed}” is not one of the options. Please choose one or more of them.",
        {"typed": "99"},
    ),
    ("aim", "has_strategy", "maybe", YES_OR_NO, {}),
]


@pytest.mark.parametrize(
    ("step", "key", "typed", "reason", "params"),
    WRONG_INPUT,
    ids=[f"{step}.{key}:{typed[:12]!r}" for step, key, typed, _, _ in WRONG_INPUT],
)
async def test_wrong_input_is_explained_and_the_question_asked_again(
    bot: Bot,
    member: Driver,
    conversations: dict[str, Conversation],
    step: str,
    key: str,
    typed: str,
    reason: str,
    params: dict[str, Any],
) -> None:
    await at(member, conversations, step, key)
    asked, before = member.last, await row_count(member)
    replies = await member.send(typed)
    assert [r.text for r in replies] == [says(bot, "en", reason, **params), asked.text]
    assert [c.label for c in replies[1].choices] == [c.label for c in asked.choices]
    assert (await position_of(member)) == position_for(key)
    assert await row_count(member) == before


async def test_number_out_of_range_is_refused(
    member: Driver, conversations: dict[str, Conversation]
) -> None:
    await at(member, conversations, "commit", "staff")
    asked, before = member.last, await row_count(member)
    replies = await member.send("5000")
    assert replies[0].text.startswith("Please send a number from 0")
    assert replies[1].text == asked.text
    assert (await position_of(member)) == Position("staff")
    assert await row_count(member) == before


async def test_number_out_of_range_names_the_bounds_as_written(
    bot: Bot, member: Driver, conversations: dict[str, Conversation]
) -> None:
    """Found here: the bounds were shown as floats, "from 0.0 to 1000.0"."""
    await at(member, conversations, "commit", "staff")
    replies = await member.send("5000")
    assert replies[0].text == "Please send a number from 0 to 1000."


# ----- what people type is kept as they typed it


STORED_EXACTLY = [
    ("🌍🤝🏙️ A zero-carbon city 零碳城市 ✅", "🌍🤝🏙️ A zero-carbon city 零碳城市 ✅"),
    ("مدينة خضراء ومستدامة للجميع", "مدينة خضراء ومستدامة للجميع"),
    ("עיר ירוקה ובת קיימא", "עיר ירוקה ובת קיימא"),
    ("Göteborg 哥德堡 مدينة עיר 🚲 2030", "Göteborg 哥德堡 مدينة עיר 🚲 2030"),
    ("line one\nline two", "line one\nline two"),
    ("\u202eevil\u202c override and\u2066 isolate\u2069", "evil override and isolate"),
    ("bell\x07 and\x1b escape\x00", "bell and escape"),
    ("   padded   ", "padded"),
]


async def test_text_answers_are_stored_exactly(
    member: Driver, conversations: dict[str, Conversation]
) -> None:
    await start_step(member, "aim")
    for typed, _ in STORED_EXACTLY:
        await member.send(typed)
        assert (await position_of(member)) == Position("challenges"), typed
        await member.send("/back")
    rows = await answers_of(member, "aim")
    assert [(r.value["value"], r.display) for r in rows] == [(s, s) for _, s in STORED_EXACTLY]


@pytest.mark.parametrize(
    "typed",
    [
        "Our team: 👩🏽\u200d🔬 and 👨\u200d👩\u200d👧",  # emoji joined by ZWJ
        "ما می\u200cخواهیم شهری سبز بسازیم",  # Persian needs ZWNJ
    ],
)
async def test_joiners_inside_words_and_emoji_are_kept(member: Driver, typed: str) -> None:
    """Found here: clean_text dropped U+200C and U+200D, splitting emoji and Persian words."""
    await start_step(member, "aim")
    await member.send(typed)
    assert (await answers_of(member, "aim"))[-1].value["value"] == typed


# ----- buttons: stale and forged


async def test_stale_button_is_answered_politely_and_nothing_stored(
    bot: Bot, member: Driver, conversations: dict[str, Conversation]
) -> None:
    await at(member, conversations, "aim", "has_strategy")
    old_yes = member.last.choices[0].action
    await member.press(old_yes)
    asked, before = member.last, await row_count(member)
    assert (await position_of(member)) == Position("facts_collected")

    replies = await member.press(old_yes)  # the same "yes" again, now one question late
    assert replies[0].text == says(bot, "en", STALE)
    assert replies[1].text == asked.text
    assert (await position_of(member)) == Position("facts_collected")
    assert await row_count(member) == before


FORGED = [
    "999:xyz",
    "s:nonexistent",
    "garbage",
    "1:+notanoption",
    ":",
    "l:",
    "l:klingon",
    "s:",
    "-1:yes",
    "99999999999999999999999:yes",
    "{seq}:xyz",
    "{seq}:+notanoption",
    "{seq}:=",
    "{seq}:+",
    "{seq}:",
    "{seq}:/skip",
    "s:" + "x" * 90,
]


@pytest.mark.parametrize("action", FORGED)
async def test_forged_actions_do_not_crash(
    member: Driver, conversations: dict[str, Conversation], action: str
) -> None:
    await at(member, conversations, "aim", "challenges")
    seq = (await state_of(member))["seq"]
    before = await row_count(member)
    replies = await member.press(action.format(seq=seq))
    assert replies, action
    assert (await position_of(member)) == Position("challenges")
    assert await row_count(member) == before


@pytest.mark.parametrize("action", ["²:yes", "①:yes", "١:yes"])
async def test_forged_action_with_a_unicode_digit(
    bot: Bot, member: Driver, conversations: dict[str, Conversation], action: str
) -> None:
    """Found here: int() on a str.isdigit() prefix such as "²" raised ValueError."""
    await at(member, conversations, "aim", "has_strategy")
    replies = await member.press(action)
    assert replies[0].text == says(bot, "en", STALE)
    assert (await position_of(member)) == Position("has_strategy")


# ----- delivery: duplicates, concurrency


async def test_the_same_message_delivered_twice_is_handled_once(bot: Bot, member: Driver) -> None:
    await start_step(member, "aim")
    assert await inbound(member, text="A greener city", key="wx-msg-42") is True
    sent = await outbox_count(bot)
    assert await inbound(member, text="A greener city", key="wx-msg-42") is False
    assert await outbox_count(bot) == sent
    assert [r.question for r in await answers_of(member, "aim")] == ["vision"]
    assert (await position_of(member)) == Position("challenges")


async def test_concurrent_messages_from_one_person_are_handled_in_order(
    bot: Bot, member: Driver
) -> None:
    await start_step(member, "aim")
    typed = ["A greener city", "1 2", "yes", "no", "/skip"]
    handled = await asyncio.gather(*(inbound(member, text=t) for t in typed))
    assert handled == [True] * len(typed)
    rows = await answers_of(member, "aim")
    assert [(r.question, r.value["value"]) for r in rows] == [
        ("vision", "A greener city"),
        ("challenges", ["climate_energy", "mobility"]),
        ("has_strategy", True),
        ("facts_collected", False),
    ]
    assert (await position_of(member)) == Position("stakeholders_involved")  # swot skipped


# ----- invite codes


async def expire(bot: Bot, code: str) -> None:
    async with bot.database.transaction() as session:
        await session.execute(
            update(InviteCode)
            .where(InviteCode.code == code)
            .values(expires_at=datetime.now(UTC) - timedelta(minutes=1))
        )


async def membership_count(bot: Bot) -> int:
    async with bot.database.sessions() as session:
        return (await session.execute(select(func.count()).select_from(Membership))).scalar_one()


async def at_invite_question(bot: Bot, user: str) -> Driver:
    driver = Driver(bot, user)
    await driver.send("hello")
    await driver.press(driver.last.choices[0].action)  # English
    await driver.press(driver.last.choices[0].action)  # Yes, to the privacy notice
    assert (await position_of(driver)) == Position("invite")
    return driver


@pytest.mark.parametrize("problem", list(InviteProblem))
async def test_invite_problems_are_explained(bot: Bot, problem: InviteProblem) -> None:
    code = "NOPE2345"
    if problem is InviteProblem.EXPIRED:
        code = await make_invite(bot.database)
        await expire(bot, code)
    elif problem is InviteProblem.USED_UP:
        code = await make_invite(bot.database, uses=1)
        first = await at_invite_question(bot, "bob")
        await first.send(code)
        assert (await position_of(first)) == Position("name")
    elif problem is InviteProblem.TOO_MANY:
        code = await make_invite(bot.database)  # past the limit even a good code is refused
    memberships = await membership_count(bot)

    driver = await at_invite_question(bot, "carol")
    if problem is InviteProblem.TOO_MANY:
        for _ in range(GUESSES_PER_PERSON):
            await driver.send("NOPE2345")
    replies = await driver.send(code)
    assert replies[0].text == says(bot, "en", INVITE_PROBLEMS[problem])
    assert len(replies) == 2  # and the question again, so the way on is clear
    assert (await position_of(driver)) == Position("invite")
    assert await membership_count(bot) == memberships


@pytest.mark.parametrize("typed", ["{lower}", " {spaced} ", "{fullwidth}"])
async def test_invite_code_as_people_type_it(bot: Bot, invite: str, typed: str) -> None:
    spaced = f"{invite[:4]} {invite[4:]}".lower()
    fullwidth = "".join(chr(ord(c) + 0xFEE0) for c in invite)
    driver = await at_invite_question(bot, "dora")
    replies = await driver.send(
        typed.format(lower=invite.lower(), spaced=spaced, fullwidth=fullwidth)
    )
    assert replies[0].text == says(
        bot, "en", "Welcome to the partnership {name}!", name="Gothenburg–Shanghai"
    )
    assert (await position_of(driver)) == Position("name")


async def test_deep_link_skips_the_invite_question(
    bot: Bot, person: Driver, invite: str, conversations: dict[str, Conversation]
) -> None:
    welcome = says(bot, "en", "Welcome to the partnership {name}!", name="Gothenburg–Shanghai")
    replies = await person.send(f"/start {invite}")
    # the code waits for consent: nobody joins before it
    assert welcome not in "\n".join(r.text for r in replies)
    assert await membership_count(bot) == 0
    # the invite question is passed over, so it is not counted either
    asks(bot, person.last, conversations["onboarding"], "language", progress=(1, 7))
    walker = Walker(person, conversations["onboarding"], "en")  # no code: it must not be asked
    assert await walker.run(until="name") == ["language", "consent"]
    assert person.text.startswith(welcome)  # joined as soon as consent was given
    assert await membership_count(bot) == 1
    assert await walker.run() == [
        "language",
        "consent",
        "name",
        "city",
        "organisation",
        "helix_role",
    ]
    assert (await state_of(person))["onboarded"] is True


async def test_a_deep_link_numbers_only_the_questions_asked(
    bot: Bot, person: Driver, invite: str, conversations: dict[str, Conversation]
) -> None:
    """Someone who came with /start CODE is not asked for the code: 1/7 … 6/6, no gap (the
    transfer abroad is counted until the city shows it is not asked)."""
    onboarding = conversations["onboarding"]
    await person.send(f"/start {invite}")
    start = len(person.replies) - 1
    await Walker(person, onboarding, "en").run()
    title = says(bot, "en", onboarding.title)
    headers = [
        line
        for reply in person.replies[start:]
        if (line := reply.text.split("\n", 1)[0]).startswith(f"{title} · ")
    ]
    assert headers == [
        f"{title} · {n}/{total}" for n, total in zip(range(1, 7), [7] * 4 + [6] * 2, strict=True)
    ]


async def test_steps_need_a_partnership_first(bot: Bot, person: Driver) -> None:
    await person.send("hello")
    for replies in (await person.press("s:aim"), await person.send("/steps")):
        assert [r.text for r in replies] == [says(bot, "en", JOIN_FIRST)]
    state = await state_of(person)
    assert (state["conv"], state["pos"]) == ("onboarding", ["language", None, None, False])
    assert await answers_of(person) == []


# ----- restart


async def test_a_restarted_bot_continues_at_the_same_question(
    bot: Bot, member: Driver, conversations: dict[str, Conversation]
) -> None:
    aim = conversations["aim"]
    await at(member, conversations, "aim", "has_strategy")
    asked = member.last

    second = Bot(bot.settings)
    try:
        again = Driver(second, member.user)
        await again.send("/start")
        assert again.last.text == asked.text
        await again.press(again.last.choices[0].action)  # yes
        asks(second, again.last, aim, "facts_collected")
    finally:
        await second.stop()
    rows = await answers_of(member, "aim")
    assert [(r.question, r.value["value"]) for r in rows] == [
        ("vision", SENTENCES["en"][0]),
        ("challenges", ["climate_energy", "mobility"]),
        ("has_strategy", True),
    ]
    assert (await position_of(member)) == Position("facts_collected")


# ----- found while writing these tests


@pytest.mark.parametrize("typed", ["AB\x00CD", "/start \x00"])
async def test_a_nul_character_in_an_invite_code_is_refused(bot: Bot, typed: str) -> None:
    """Found here: the NUL reached PostgreSQL, which refused the query and failed the turn."""
    driver = await at_invite_question(bot, "erin")
    replies = await driver.send(typed)
    assert replies[0].text == says(bot, "en", INVITE_PROBLEMS[InviteProblem.UNKNOWN])


async def test_skip_after_back_forgets_the_earlier_answer(
    member: Driver, conversations: dict[str, Conversation]
) -> None:
    await at(member, conversations, "aim", "stakeholder_roles")
    await member.send("/back")
    assert (await position_of(member)) == Position("stakeholders_involved")
    await member.send("/skip")
    # stakeholder_roles is asked only when stakeholders_involved has an answer
    assert (await position_of(member)) == Position("why_abroad")


async def test_wrong_input_reasons_are_in_the_chinese_catalogue(bot: Bot) -> None:
    """Every reason the wrong-input table expects is a message translators can see."""
    assert {reason for _, _, _, reason, _ in WRONG_INPUT} - catalogue_ids(bot, ZH) == set()


@pytest.mark.parametrize("typed", ["／skip", "/ｓｋｉｐ"])
async def test_a_command_typed_with_full_width_characters(
    member: Driver, conversations: dict[str, Conversation], typed: str
) -> None:
    await at(member, conversations, "aim", "swot")
    await member.send(typed)
    assert (await position_of(member)) == Position("stakeholders_involved")
    assert [r.question for r in await answers_of(member, "aim")][-1] != "swot"


@pytest.mark.parametrize(
    ("typed", "picked"),
    [
        ("Climate and energy", ["climate_energy"]),
        ("Air, waste and environment", ["environment"]),
        ("water, air, waste and environment, 1", ["water", "environment", "climate_energy"]),
    ],
)
async def test_a_multi_option_typed_by_its_label(
    member: Driver, conversations: dict[str, Conversation], typed: str, picked: list[str]
) -> None:
    """Found here: parse_multi split labels at "and" and commas, so none could be typed."""
    await at(member, conversations, "aim", "challenges")
    await member.send(typed)
    row = (await answers_of(member, "aim"))[-1]
    assert (row.question, row.value["value"]) == ("challenges", picked)
    assert (await position_of(member)) == Position("has_strategy")
