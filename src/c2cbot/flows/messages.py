"""What crosses the boundary between channels and the engine, free of any channel."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from c2cbot.flows.actions import is_control


class ReplyInPlace(Protocol):
    """A channel's callback that can carry the replies in its own answer (WeChat's passive reply).

    The engine offers the replies inside its transaction; those taken are written to the
    outbox as already being sent, so no second transaction has to claim them back and the
    dispatcher never sees them. The channel marks them sent once it has answered, or
    releases them to the dispatcher if its answer went out without them.
    """

    @property
    def answered(self) -> Collection[int]:
        """The chat's messages already sent in answers, not yet recorded as sent."""

    def take(self, replies: Sequence[Outbound]) -> int:
        """How many of ``replies``, from the first, go in the answer; 0 once it stopped waiting."""

    def held(self, message_ids: Sequence[int]) -> None:
        """The outbox rows of the replies taken, in order."""


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
    in_place: ReplyInPlace | None = field(default=None, compare=False, repr=False)
    """``event``: "unreachable" (blocked, kicked, unsubscribed), "left_group", or
    "group_moved" (``text`` is the new chat id). ``source_message_id``: the message whose
    button was pressed. ``private_link``: opens a private chat with the bot (Telegram
    t.me link), so group members can be sent there. ``in_place``: the callback waiting
    to answer with the replies, if the channel has one."""


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
