"""What every chat driver of the suite shares: picking a button as a person reads it, and
a person on the fake Telegram (sending, pressing, reading) whatever runs the bot.

``tests.driver.Driver`` talks to the engine directly; the Telegram people below talk to
the fake Bot API, and differ only in how they wait for the bot: ``TelegramPerson``
(tests/channels/conftest.py) drives the channel and dispatcher step by step,
``LivePerson`` (tests/channels/test_telegram_run.py) waits for a bot running on its own.
"""

from __future__ import annotations

from collections.abc import Sequence

from c2cbot.flows.messages import Choice, Outbound
from tests.fakes.telegram_api import FakeTelegram, Sent

SELECTED = "☑ "  # how Telegram shows a ticked option of a multiple choice


def pick_button(choices: Sequence[Choice], label: str) -> Choice:
    """The button labelled ``label``, or the one label that starts with it."""
    exact = [c for c in choices if c.label == label]
    found = exact or [c for c in choices if c.label.startswith(label)]
    if len(found) != 1:
        raise AssertionError(f"no button {label!r} in {[c.label for c in choices]}")
    return found[0]


class TelegramChat:
    """A person in a private chat on the fake Telegram; ``settle`` waits for the bot."""

    fake: FakeTelegram
    user_id: int
    language_code: str
    _seen: int

    async def settle(self) -> list[Sent]:
        raise NotImplementedError

    @property
    def user(self) -> str:
        return str(self.user_id)

    async def send(self, text: str) -> list[Sent]:
        self.fake.user_sends(self.user_id, text, self.language_code)
        return await self.settle()

    async def press(self, action: str) -> list[Sent]:
        """Press the newest button carrying ``action``."""
        for sent in reversed(self.fake.chat(self.user_id)):
            if any(b.get("callback_data") == action for b in sent.buttons):
                self.fake.user_clicks(
                    self.user_id, sent.message_id, action, language_code=self.language_code
                )
                return await self.settle()
        raise AssertionError(f"no button with {action!r} in chat {self.user_id}")

    async def click(self, label: str) -> list[Sent]:
        return await self.press(self.button(label).action)

    def button(self, label: str) -> Choice:
        return pick_button(self.last.choices, label)

    @property
    def last_sent(self) -> Sent:
        return self.fake.last(self.user_id)

    @property
    def last(self) -> Outbound:
        """The newest message as the engine's Outbound: plain text and its buttons."""
        sent = self.last_sent
        choices = tuple(
            Choice(
                b["callback_data"], b["text"].removeprefix(SELECTED), b["text"].startswith(SELECTED)
            )
            for b in sent.buttons
        )
        return Outbound(sent.plain, choices)

    @property
    def text(self) -> str:
        """Everything the bot said since the person last acted."""
        return "\n".join(m.plain for m in self.fake.chat(self.user_id)[self._seen :])
