"""Commands in a partnership's group chat: linking it, its digests, and their languages.

In a group the bot answers only commands addressed to it; conversations happen in
private chats, so group members are pointed there. The commands themselves are in
``flows/commands/`` (those declared for ``Audience.GROUPS``).
"""

from __future__ import annotations

from datetime import datetime

from c2cbot.flows.actions import decode
from c2cbot.flows.commands import registry
from c2cbot.flows.messages import Inbound, Outbound
from c2cbot.flows.ports import DigestPreviews, Ledger, Person
from c2cbot.flows.texts import Texts


class GroupTurn:
    """Handles one command sent in a group chat, inside the engine's transaction."""

    def __init__(
        self,
        ledger: Ledger,
        person: Person,
        inbound: Inbound,
        texts: Texts,
        digests: DigestPreviews,
        now: datetime,
    ) -> None:
        self.ledger, self.person, self.inbound = ledger, person, inbound
        self.texts, self.digests, self.now = texts, digests, now
        self.replies: list[Outbound] = []

    def translate(self, message: str, **params: object) -> str:
        translated = self.texts.gettext(self.person.language, message)
        return translated.format(**params) if params else translated

    def say(self, message: str, **params: object) -> None:
        self.replies.append(Outbound(self.translate(message, **params)))

    async def run(self) -> None:
        action = decode(self.inbound.action)
        if action is None or not await registry.press_in_group(self, action):
            await registry.run_group_command(self, self.inbound.text or "")
