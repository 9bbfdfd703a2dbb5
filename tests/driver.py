"""A test driver that chats with the engine like a person: send text, tap buttons, read replies.

It goes through the real engine and database and reads replies from the outbox,
exactly where the dispatcher would pick them up.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

from sqlalchemy import select

from c2cbot.flows.messages import Choice, Inbound, Outbound
from c2cbot.runtime import Bot
from c2cbot.store.models import OutboxMessage
from tests.support.chat import pick_button

_ids = itertools.count(1)


@dataclass
class Driver:
    bot: Bot
    user: str
    channel: str = "web"
    language_hint: str | None = None
    origin: str | None = None  # the browser chat's source address, as the web server says

    def __post_init__(self) -> None:
        self._seen = 0
        self.replies: list[Outbound] = []

    async def send(self, text: str, *, key: str | None = None) -> list[Outbound]:
        """Type ``text``; the replies it caused."""
        return await self._handle(
            Inbound(
                self.channel,
                self.user,
                self.user,
                key or f"m{next(_ids)}",
                text=text,
                language_hint=self.language_hint,
                origin=self.origin,
            )
        )

    async def click(self, label: str) -> list[Outbound]:
        """Tap the button labelled ``label`` (or whose label starts with it) in the last reply."""
        choice = self.button(label)
        return await self.press(choice.action)

    async def press(self, action: str, *, key: str | None = None) -> list[Outbound]:
        return await self._handle(
            Inbound(
                self.channel,
                self.user,
                self.user,
                key or f"a{next(_ids)}",
                action=action,
                language_hint=self.language_hint,
            )
        )

    def button(self, label: str) -> Choice:
        return pick_button(self.last.choices, label)

    @property
    def last(self) -> Outbound:
        return self.replies[-1]

    @property
    def text(self) -> str:
        """All text of the last batch of replies, for assertions."""
        return "\n".join(r.text for r in self._batch)

    async def _handle(self, inbound: Inbound) -> list[Outbound]:
        await self.bot.engine.handle(inbound)
        self._batch = await self._fresh()
        self.replies += self._batch
        return self._batch

    async def _fresh(self) -> list[Outbound]:
        query = (
            select(OutboxMessage)
            .where(
                OutboxMessage.chat_id == self.user,
                OutboxMessage.channel == self.channel,
                OutboxMessage.id > self._seen,
            )
            .order_by(OutboxMessage.id)
        )
        async with self.bot.database.sessions() as session:
            rows = list((await session.execute(query)).scalars())
        if rows:
            self._seen = rows[-1].id
        return [Outbound.from_json(r.payload) for r in rows]
