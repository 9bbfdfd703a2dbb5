"""What crosses the boundary between channels and the engine, free of any channel."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any

from c2cbot.flows.actions import is_control


def storable(text: str) -> bool:
    """Whether ``text`` can be stored as sent: valid Unicode (a JSON "\\ud800" escape makes
    a lone surrogate, which UTF-8 cannot encode) and free of NUL, which PostgreSQL's text
    refuses. Channels check what people send with it before it becomes an ``Inbound``."""
    if "\x00" in text:
        return False
    try:
        text.encode()
    except UnicodeEncodeError:
        return False
    return True


@dataclass(frozen=True)
class Inbound:
    """One thing a person did: typed ``text`` or pressed a button carrying ``action``."""

    channel: str
    external_id: str
    chat_id: str
    dedupe_key: str
    text: str | None = None
    action: str | None = None
    language_hint: str | None = None
    display_name: str | None = None
    is_group: bool = False
    source_message_id: str | None = None
    event: str | None = None
    private_link: str | None = None
    origin: str | None = None
    group_admin: bool = False
    """``event``: "unreachable" (blocked, kicked, unsubscribed), "left_group", or
    "group_moved" (``text`` is the new chat id). ``source_message_id``: the message whose
    button was pressed. ``private_link``: opens a private chat with the bot (Telegram
    t.me link), so group members can be sent there. ``origin``: where the request came
    from (the browser chat's source address), so guessing invite codes is limited per
    address too; only a hash of it is stored. ``group_admin``: the platform itself says
    the sender administers the group (Telegram's getChatMember), asked by the channel
    only for commands that need it (/link)."""

    @property
    def in_logs(self) -> str:
        """How logs name this message: its dedupe key holds the sender's id (a WeChat
        openid), which is personal, so logs get a short digest that still tells one
        message's lines apart from another's."""
        digest = hashlib.sha256(f"{self.channel}:{self.dedupe_key}".encode()).hexdigest()
        return f"{self.channel}#{digest[:12]}"


@dataclass(frozen=True)
class Choice:
    """An option a person can pick; channels show buttons or numbered lines."""

    action: str
    label: str
    selected: bool = False


@dataclass(frozen=True)
class Outbound:
    """A message in the reader's language, plain text; each channel escapes and marks it up."""

    text: str
    choices: tuple[Choice, ...] = ()
    multi: bool = False
    extra: dict[str, Any] = field(default_factory=dict)
    language: str = ""

    @property
    def controls(self) -> tuple[Choice, ...]:
        """Buttons that are not answers: "Done" of a multiple choice and "Skip"."""
        return tuple(c for c in self.choices if is_control(c.action))

    @property
    def options(self) -> tuple[Choice, ...]:
        """The answers on offer, numbered from 1 where a channel has no buttons."""
        controls = self.controls
        return tuple(c for c in self.choices if c not in controls)

    def to_json(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "choices": [[c.action, c.label, c.selected] for c in self.choices],
            "multi": self.multi,
            "extra": self.extra,
            "language": self.language,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Outbound:
        choices = tuple(Choice(a, label, bool(s)) for a, label, s in data.get("choices", []))
        return cls(
            data["text"],
            choices,
            bool(data.get("multi")),
            dict(data.get("extra", {})),
            str(data.get("language", "")),
        )
