"""Hostile answers at every question of onboarding and the eight steps.

The routes' corpus reaches the first question only; this walks a person through every
conversation and, at each question that is not free text, first types and presses what
no honest person would (5,000 digits, numbers past any range, dates past the calendar,
buttons of questions that never were). The engine must answer each politely and stay at
the question: an exception here is a 500 on the browser chat, WeChat and WeCom.
"""

from __future__ import annotations

from dataclasses import dataclass

from c2cbot.flows.schema import Conversation, Kind
from c2cbot.flows.walk import Position, question_at
from c2cbot.runtime import Bot
from tests.conftest import walk_on_one_backend
from tests.driver import Driver
from tests.flows.walker import Walker, load_conversations, start_step, state_of

BIG = "9" * 5000
STEPS = ("aim", "commit", "partner", "plan", "do", "measure", "act", "replicate")
TYPED = (
    BIG,  # past int()'s 4,300 digits
    "²" * 5000,  # NFKC makes digits of it
    "፩",  # a digit int() does not take
    "1e999999",
    "NaN",
    "9" * 40 + "万亿",
    "€" + BIG,
    "1." + "0" * 5000,
    "99.99.99999",
    BIG + "年1月1日",
    "\u202e12\u200b",
    "1" * 20_000,
)
PRESSED = (
    "99999999999999999999:x",
    "p:999999999999999999999",
    "pt:999999999999999999",
    "sc:k:999999999999999999:yearly",
    "sc:r:" + BIG[:50],
)


@dataclass
class HostileWalker(Walker):
    """A walker that tries the hostile inputs before answering each question."""

    tried: int = 0

    async def step(self, position: Position) -> Position | None:
        question = question_at(self.conversation, position)
        if question.type not in (Kind.TEXT, Kind.INVITE) and not position.more:
            state = await state_of(self.driver)
            pressed = (*PRESSED, f"{state.get('seq', 0)}:{BIG[:50]}")
            for text in TYPED:
                await self.driver.send(text)
                assert await self.position() == position, (position.key, text[:30])
            for action in pressed:
                await self.driver.press(action)
                assert await self.position() == position, (position.key, action)
            self.tried += len(TYPED) + len(pressed)
            await self.driver.send("/status")  # the question is asked again, for the walker
        return await super().step(position)


async def test_no_question_breaks_on_hostile_answers(
    bot: Bot, person: Driver, invite: str, database_url: str
) -> None:
    walk_on_one_backend(database_url, 1)  # PostgreSQL when it is configured
    conversations = load_conversations(bot.settings.conversations_dir)
    await person.send("hello")
    tried = 0
    walkers: list[tuple[str, Conversation]] = [("", conversations["onboarding"])]
    walkers += [(step, conversations[step]) for step in STEPS]
    for step, conversation in walkers:
        if step:
            await start_step(person, step)
        walker = HostileWalker(person, conversation, "en", invite=invite)
        await walker.run()
        tried += walker.tried
    assert tried > 500
