"""Walking a conversation like a person would: read where the bot is, answer that question.

The walker never parses the bot's wording (the Chinese catalogue is still being
translated): it reads the person's position from the database, looks the question up
in the conversation's schema and answers it by button position or typed value.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from babel.messages.pofile import read_po
from sqlalchemy import select

from c2cbot.flows import walk
from c2cbot.flows.loader import load_all
from c2cbot.flows.messages import Choice, Outbound
from c2cbot.flows.schema import Conversation, Kind, OptionSource, ProfileField, Question
from c2cbot.flows.walk import Position
from c2cbot.runtime import Bot
from c2cbot.store.models import Answer, ChannelIdentity, ConversationState
from tests.driver import Driver

ZH = "zh_Hans"
MAX_TURNS = 200

# What each typed kind gets, per language, and the value the store must keep for it.
NUMBER_TYPED = {"en": "12", ZH: "１２", "de": "12"}
MONEY_TYPED = {"en": "€15,000", ZH: "1.2万元", "de": "1,5 Mio. €"}
MONEY_STORED = {
    "en": {"amount": "15000", "currency": "EUR"},
    ZH: {"amount": "12000", "currency": "CNY"},
    "de": {"amount": "1500000", "currency": "EUR"},
}
DATE_TYPED = {"en": "1.12.2026", ZH: "2026年12月1日", "de": "01.12.2026"}
DATE_STORED = "2026-12-01"
RATING_PICKED = "4"
NAMES = {"en": "Alice Andersson", ZH: "王丽", "de": "Jana Müller"}
ORGANISATIONS = {
    "en": "City of Gothenburg, International Affairs",
    ZH: "上海市人民政府外事办公室",
    "de": "Stadt Göteborg, Internationale Beziehungen",
}
SENTENCES = {
    "en": (
        "A carbon-neutral, liveable city where research and business work across borders.",
        "We want to learn from a partner city that has faced the same challenges.",
        "Joint research on clean energy and a student exchange between our universities.",
        "Regular meetings of both teams and a shared project plan.",
    ),
    ZH: (
        "建设零碳城市，加强与欧洲伙伴的科研合作",
        "希望向面临相似挑战的伙伴城市学习",
        "两地大学开展清洁能源联合研究和学生交流",
        "双方团队定期会面，共同制定项目计划",
    ),
    "de": (
        "Eine klimaneutrale, lebenswerte Stadt mit starker Forschung und Wirtschaft.",
        "Wir wollen von einer Partnerstadt lernen, die vor ähnlichen Aufgaben stand.",
        "Gemeinsame Forschung zu sauberer Energie und ein Studierendenaustausch.",
        "Regelmäßige Treffen beider Teams und ein gemeinsamer Projektplan.",
    ),
}
SHORT = {"en": "visits", ZH: "人次", "de": "Besuche"}  # for the few questions that take only a word
# How many options a computed option list has, so each question's buttons can be checked.
COMPUTED_OPTIONS = {
    OptionSource.LANGUAGES: 3,  # English, Chinese, German
    OptionSource.HELIX_ROLES: 4,
    OptionSource.PARTNERSHIP_CITIES: 2,
    OptionSource.KPI_CATALOGUE: 22,
    OptionSource.KPI_KINDS: 4,
}
OF_THE_PARTNERSHIP = {OptionSource.PARTNERSHIP_MEMBERS, OptionSource.PARTNERSHIP_KPIS}
"""Options that depend on who and what the partnership has: at least one is shown."""


@functools.cache
def load_conversations(directory: Path) -> dict[str, Conversation]:
    """The conversation schemas, read once per run: the files do not change meanwhile."""
    return load_all(directory)


# ----- reading the person's state from the database


async def stakeholder_id(driver: Driver) -> int:
    query = select(ChannelIdentity.stakeholder_id).where(
        ChannelIdentity.channel == driver.channel, ChannelIdentity.external_id == driver.user
    )
    async with driver.bot.database.sessions() as session:
        return (await session.execute(query)).scalar_one()


async def state_of(driver: Driver) -> dict[str, Any]:
    """The person's ConversationState.data, or ``{}`` before their first message."""
    query = (
        select(ConversationState.data)
        .join(ChannelIdentity, ChannelIdentity.stakeholder_id == ConversationState.stakeholder_id)
        .where(
            ChannelIdentity.channel == driver.channel, ChannelIdentity.external_id == driver.user
        )
    )
    async with driver.bot.database.sessions() as session:
        data = (await session.execute(query)).scalar_one_or_none()
    return dict(data or {})


async def position_of(driver: Driver) -> Position | None:
    pos = (await state_of(driver)).get("pos")
    return Position.from_json(pos) if pos else None


async def answers_of(driver: Driver, conversation: str | None = None) -> list[Answer]:
    """The person's stored answers in the order they were given."""
    query = (
        select(Answer)
        .join(ChannelIdentity, ChannelIdentity.stakeholder_id == Answer.stakeholder_id)
        .where(
            ChannelIdentity.channel == driver.channel, ChannelIdentity.external_id == driver.user
        )
        .order_by(Answer.id)
    )
    if conversation is not None:
        query = query.where(Answer.conversation == conversation)
    async with driver.bot.database.sessions() as session:
        return list((await session.execute(query)).scalars())


# ----- what a question looks like


def button_count(question: Question, position: Position) -> int:
    """How many buttons the bot must show for ``question`` at ``position``."""
    if position.more:
        return 2  # Yes and No
    if question.type is Kind.MULTI:
        return _option_count(question) + 1 + int(question.optional)  # options, Done, Skip
    return _option_count(question) + int(question.optional)  # the options and Skip


def _option_count(question: Question) -> int:
    if question.type is Kind.YESNO:
        return 2
    if question.type is Kind.RATING:
        return 5
    if question.type not in (Kind.CHOICE, Kind.MULTI):
        return 0
    if question.options:
        return len(question.options)
    assert question.options_from is not None
    return COMPUTED_OPTIONS[question.options_from]


def sentence(question: Question, language: str, turn: int) -> str:
    """A realistic typed answer that fits the question's length limit."""
    if question.sets is ProfileField.NAME:
        return NAMES[language]
    if question.sets is ProfileField.ORGANISATION:
        return ORGANISATIONS[language]
    candidates = SENTENCES[language]
    rotated = candidates[turn % len(candidates) :] + candidates[: turn % len(candidates)]
    return next((s for s in rotated if len(s) <= question.max_length), SHORT[language])


def position_for(key: str) -> Position:
    """The position a walker key names: "vision", "activities#1.title", "activities#0?"."""
    if "#" not in key:
        return Position(key)
    group, rest = key.split("#", 1)
    if rest.endswith("?"):
        return Position(group, int(rest[:-1]), more=True)
    item, sub = rest.split(".", 1)
    return Position(group, int(item), sub)


def key_to_row(key: str) -> tuple[str, int | None]:
    """A walker key ("activities#1.title") as the Answer row's (question, item)."""
    position = position_for(key)
    name = position.question if position.sub is None else f"{position.question}.{position.sub}"
    return name, position.item


# ----- the walker


@dataclass
class Walker:
    """Answers the questions of one conversation, one turn at a time.

    ``picks`` chooses a button by index for a choice or yes/no question (0 is yes, 1 is
    no); other choice questions get the first and second button in turn, other yes/no
    questions "yes". The first optional question is skipped with /skip, the others are
    answered. Groups get two items. Before each answer the walker checks that the last
    message asks that question: its progress line and its number of buttons.
    """

    driver: Driver
    conversation: Conversation
    language: str
    invite: str | None = None
    picks: Mapping[str, int] = field(default_factory=dict)
    skip_first_optional: bool = True
    answered: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    _choices_made: int = 0
    _typed: int = 0
    _tops: list[str] = field(default_factory=list)
    _first_number: int = 0

    async def position(self) -> Position | None:
        """Where the person is in *this* conversation; ``None`` once it is over."""
        state = await state_of(self.driver)
        if state.get("conv") != self.conversation.id or not state.get("pos"):
            return None
        return Position.from_json(state["pos"])

    async def run(self, until: str | None = None) -> list[str]:
        """Answer until the conversation ends, or until the question keyed ``until`` is asked."""
        position = await self.position()
        for _ in range(MAX_TURNS):
            if position is None or position.key == until:
                if until is not None and position is None:
                    raise AssertionError(f"{self.conversation.id} ended before {until!r}")
                return self.answered
            position = await self.step(position)
        raise AssertionError(f"{self.conversation.id} did not end within {MAX_TURNS} turns")

    async def step(self, position: Position) -> Position | None:
        """Answer the question at ``position``, check that the bot moved on; where to."""
        question = walk.question_at(self.conversation, position)
        self._check_asked(question, position)
        skipping = self._should_skip(question, position)
        if skipping:
            await self.driver.send("/skip")
            self.skipped.append(position.key)
        else:
            await self._answer(question, position)
        moved = await self.position()
        if moved == position:
            raise AssertionError(f"still at {position.key} after answering:\n{self.driver.text}")
        if not skipping and not position.more:
            self.answered.append(position.key)
        return moved

    def _check_asked(self, question: Question, position: Position) -> None:
        """The progress line counts only the questions asked: consecutive numbers, and the
        question's place in the file while none has been passed over."""
        ids = [q.id for q in self.conversation.questions]
        message = self.driver.last
        shown = re.search(r" · (\d+)/(\d+)$", message.text.split("\n", 1)[0])
        assert shown, message.text
        number, total = int(shown[1]), int(shown[2])
        if position.question not in self._tops:
            self._tops.append(position.question)
        self._first_number = self._first_number or number
        assert number == self._first_number + len(self._tops) - 1, message.text
        assert number <= total <= len(ids), message.text
        start = ids.index(self._tops[0])
        if self._first_number == start + 1 and self._tops == ids[start : start + len(self._tops)]:
            assert number == ids.index(position.question) + 1, message.text
        if question.options_from in OF_THE_PARTNERSHIP and not position.more:
            assert len(message.choices) > int(question.optional), (position, message)
        else:
            assert len(message.choices) == button_count(question, position), (position, message)

    def _should_skip(self, question: Question, position: Position) -> bool:
        return (
            self.skip_first_optional
            and question.optional
            and not position.more
            and not self.skipped
        )

    async def _answer(self, question: Question, position: Position) -> None:
        if position.more:
            await self._press(0 if (position.item or 0) == 0 else 1)  # one more item, then stop
            return
        kind = question.type
        if kind is Kind.INVITE:
            assert self.invite is not None, "the walker needs an invite code for onboarding"
            await self.driver.send(self.invite)
        elif kind is Kind.CHOICE:
            await self._choose(question)
        elif kind is Kind.MULTI:
            await self._press(0)
            await self._press(1)
            await self.driver.press(_done(self.driver.last))
        elif kind is Kind.YESNO:
            await self._press(self.picks.get(question.id, 0))
        elif kind is Kind.RATING:
            await self._press(int(RATING_PICKED) - 1)  # its words ("A lot"), not its number
        else:
            await self.driver.send(self._typed_value(question))

    async def _choose(self, question: Question) -> None:
        if question.options_from is OptionSource.LANGUAGES:
            await self.driver.press(self._button_ending(f":{self.language}").action)
            return
        if question.options_from in OF_THE_PARTNERSHIP:
            await self._press(self.picks.get(question.id, 0))
            return
        index = self.picks.get(question.id, self._choices_made % 2)
        self._choices_made += 1
        await self._press(index)

    def _typed_value(self, question: Question) -> str:
        typed: dict[Kind, Mapping[str, str]] = {
            Kind.NUMBER: NUMBER_TYPED,
            Kind.MONEY: MONEY_TYPED,
            Kind.DATE: DATE_TYPED,
        }
        if question.type in typed:
            return typed[question.type][self.language]
        self._typed += 1
        return sentence(question, self.language, self._typed - 1)

    async def _press(self, index: int) -> None:
        await self.driver.press(self.driver.last.choices[index].action)

    def _button_ending(self, suffix: str) -> Choice:
        found = [c for c in self.driver.last.choices if c.action.endswith(suffix)]
        assert len(found) == 1, (suffix, self.driver.last.choices)
        return found[0]


async def walk_conversation(
    driver: Driver,
    conversation: Conversation,
    language: str,
    *,
    invite: str | None = None,
    picks: Mapping[str, int] | None = None,
) -> list[str]:
    """Answer every question of ``conversation`` (already started); the keys answered.

    Keys are ``Position.key`` values: ``"vision"``, ``"activities#1.title"``; skipped
    questions and the "add another?" prompts of groups are not among them.
    """
    walker = Walker(driver, conversation, language, invite=invite, picks=picks or {})
    return await walker.run()


# ----- channels without buttons: a press becomes the option's number, typed


@dataclass
class NumberTyping:
    """The walker's driver for a person who can only type (WeChat, WeCom).

    ``person`` types (``send``), knows the message the bot meant last (``last``, an
    ``Outbound`` with its choices) and what the channel showed (``shown``). Pressing an
    option types its number, every other one full-width, after checking that the
    person saw that number beside that label; a multiple choice's picks are typed
    together at Done ("1、2"); Skip is typed as /skip.
    """

    person: Any
    _picks: list[str] = field(default_factory=list)
    _typed: int = 0

    def __getattr__(self, name: str) -> Any:  # bot, channel, user, last, text
        return getattr(self.person, name)

    async def send(self, text: str) -> object:
        return await self.person.send(text)

    async def click(self, label: str) -> object:
        found = [c for c in self.person.last.choices if c.label == label]
        assert len(found) == 1, (label, self.person.last.choices)
        return await self.press(found[0].action)

    async def press(self, action: str) -> object:
        message: Outbound = self.person.last
        if action.endswith(":/skip"):
            return await self.send("/skip")
        if action.endswith(":="):
            picks, self._picks = self._picks, []
            return await self.send("、".join(picks))
        number = [c.action for c in message.options].index(action) + 1
        label = message.options[number - 1].label
        assert f"{number}. {label}" in self.person.shown, (number, label, self.person.shown)
        self._typed += 1
        typed = str(number).translate(_FULL_WIDTH) if self._typed % 2 else str(number)
        if message.multi:
            self._picks.append(typed)
            return None
        return await self.send(typed)


_FULL_WIDTH = str.maketrans("0123456789", "０１２３４５６７８９")


# ----- getting a person to a point in the narrative


async def onboard(
    driver: Driver,
    conversations: Mapping[str, Conversation],
    language: str,
    invite: str,
    *,
    picks: Mapping[str, int] | None = None,
) -> list[str]:
    """A new person says hello and answers onboarding; the keys answered."""
    await driver.send("hello")
    return await walk_conversation(
        driver, conversations["onboarding"], language, invite=invite, picks=picks
    )


async def choose_and_consent(driver: Any, language: str = "en") -> None:
    """At onboarding's first question: choose ``language``, then consent to the privacy
    notice; an invite code sent with /start is redeemed then (what it says is the last
    batch of replies)."""
    await driver.press(
        next(c for c in driver.last.choices if c.action.endswith(f":{language}")).action
    )
    await driver.press(driver.last.choices[0].action)  # Yes


def step_button(driver: Driver, step: str) -> Choice:
    """The menu's button for ``step``: the one whose action is ``s:<step>``."""
    found = [c for c in driver.last.choices if c.action == f"s:{step}"]
    assert len(found) == 1, driver.last
    return found[0]


async def start_step(driver: Driver, step: str) -> None:
    await driver.press(step_button(driver, step).action)


async def answer_until(
    driver: Driver, conversation: Conversation, language: str, key: str, **options: Any
) -> Walker:
    """Answer the (already started) ``conversation`` until the question keyed ``key`` is asked."""
    walker = Walker(driver, conversation, language, **options)
    await walker.run(until=key)
    return walker


# ----- what the bot says, in any language


def catalogue_ids(bot: Bot, language: str) -> set[str]:
    """Every message id in a language's .po file, whether translated yet or not."""
    path = bot.settings.locale_dir / language / "LC_MESSAGES" / "c2cbot.po"
    with path.open("rb") as handle:
        return {str(m.id) for m in read_po(handle) if m.id}


def says(bot: Bot, language: str, message: str, **params: object) -> str:
    """``message`` as the bot writes it in ``language``, from whatever the catalogue holds now."""
    translated = bot.texts.gettext(language, message)
    return translated.format(**params) if params else translated


def _done(message: Outbound) -> str:
    """The action of a multiple choice's Done button, wherever it stands."""
    return next(c.action for c in message.choices if c.action.endswith(":="))
