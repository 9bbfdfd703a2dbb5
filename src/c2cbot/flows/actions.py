"""What a button carries: typed actions, and the short codes they travel as.

Every button the bot makes holds one of the actions below, written by ``encode`` and read
back by ``decode``; nothing else builds or parses button data. The codes are short
because Telegram allows 64 bytes of callback data, and they are the very codes buttons
have always carried, so buttons still sitting in people's chats from before keep working:

======================  =====================  =============================================
code                    action                 made by
======================  =====================  =============================================
``l:de``                ``PickLanguage``       /language
``s:aim``               ``OpenStep``           the steps menu
``e:plan:4``            ``EditAnswer``         a step's answers (its fourth question;
                                               ``e:plan:0``: go through them all)
``p:42``                ``OpenPrompt``         a scheduled prompt's "Answer now"
``pt:3``                ``ChoosePartnership``  /partnership (one of the person's own)
``iv:K7QX2M9A``         ``RevokeInvite``       /invites (coordinators)
``fg``                  ``ForgetMe``           /forget, confirmed
``pa:14``               ``PauseFor``           /pause
``ch:12``               ``PreferChannel``      /channel (12: a channel identity's id)
``sc:f``, ``sc:f:7``    ``ChangeSchedule``     /schedule (``f`` follow-ups, ``r`` reminders,
``sc:k:3:yearly``                              ``k:<plan>`` a KPI's frequency)
``g:en+zh_Hans``        ``GroupLanguages``     /link in a group
``7:water``             ``Pick``               a question (7: the question's number)
``7:+water``            ``Toggle``             a multiple-choice question
``7:=``                 ``FinishPicking``      "Done" under a multiple choice
``7:/skip``             ``QuestionCommand``    "Skip" under an optional question
``7:/keep``             ``QuestionCommand``    "Keep" under an answer being corrected
                                               (``7:/keep all``: a whole list)
======================  =====================  =============================================

A question's buttons carry the number of the question they were made for, so a button
pressed under an earlier question is recognised as stale instead of answering the
question asked now.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

MAX_BYTES = 64  # Telegram's limit for a button's callback data
_MAX_DIGITS = 18  # any larger "number" is forged, and would not fit a database integer


@dataclass(frozen=True)
class PickLanguage:
    """A language chosen under /language; an unknown code shows the choice again."""

    code: str

    def encode(self) -> str:
        return _within(f"l:{self.code}")


@dataclass(frozen=True)
class OpenStep:
    """A step (its conversation's id) chosen from the steps menu."""

    conversation: str

    def encode(self) -> str:
        return _within(f"s:{self.conversation}")


@dataclass(frozen=True)
class EditAnswer:
    """Change one answer of a step (its question's number, from 1), or 0: review them all."""

    conversation: str
    number: int

    def encode(self) -> str:
        return _within(f"e:{self.conversation}:{self.number}")


@dataclass(frozen=True)
class OpenPrompt:
    """ "Answer now" under a scheduled prompt (a KPI figure, an activity's progress)."""

    prompt_id: int

    def encode(self) -> str:
        return _within(f"p:{self.prompt_id}")


@dataclass(frozen=True)
class ChoosePartnership:
    """One of the person's partnerships, chosen under /partnership to work on."""

    partnership_id: int

    def encode(self) -> str:
        return _within(f"pt:{self.partnership_id}")


@dataclass(frozen=True)
class RevokeInvite:
    """An invite code of the partnership, tapped under /invites to stop it working."""

    code: str

    def encode(self) -> str:
        return _within(f"iv:{self.code}")


@dataclass(frozen=True)
class ForgetMe:
    """The confirmation under /forget: erase my data now."""

    def encode(self) -> str:
        return "fg"


@dataclass(frozen=True)
class PauseFor:
    """A length of leave tapped under /pause, in days from today."""

    days: int

    def encode(self) -> str:
        return _within(f"pa:{self.days}")


@dataclass(frozen=True)
class PreferChannel:
    """One of the person's linked channels, chosen under /channel for their prompts."""

    identity_id: int

    def encode(self) -> str:
        return _within(f"ch:{self.identity_id}")


class ScheduleSetting(StrEnum):
    """What a /schedule button changes; the values are the letters on the wire."""

    FOLLOW_UP = "f"
    REMINDERS = "r"
    KPI = "k"


@dataclass(frozen=True)
class ChangeSchedule:
    """A /schedule button: which setting (of which KPI plan), and the value, if chosen.

    Without a value the button asks for one. The value is kept as the text the button
    carries, because /schedule checks it exactly as it checks a typed value.
    """

    setting: ScheduleSetting
    plan_id: int | None = None
    value: str | None = None

    def encode(self) -> str:
        parts = ["sc", self.setting.value]
        parts += [str(self.plan_id)] if self.plan_id is not None else []
        parts += [self.value] if self.value is not None else []
        return _within(":".join(parts))


@dataclass(frozen=True)
class GroupLanguages:
    """The languages a group's digests are written in, chosen after /link."""

    codes: tuple[str, ...]

    def encode(self) -> str:
        return _within("g:" + "+".join(self.codes))


@dataclass(frozen=True)
class Pick:
    """An option of the question asked as number ``seq``."""

    seq: int
    option: str

    def encode(self) -> str:
        return _within(f"{self.seq}:{self.option}")


@dataclass(frozen=True)
class Toggle:
    """An option of a multiple-choice question, picked or unpicked."""

    seq: int
    option: str

    def encode(self) -> str:
        return _within(f"{self.seq}:+{self.option}")


@dataclass(frozen=True)
class FinishPicking:
    """ "Done" under a multiple-choice question."""

    seq: int

    def encode(self) -> str:
        return _within(f"{self.seq}:=")


@dataclass(frozen=True)
class QuestionCommand:
    """A command offered as a button under a question: "skip", "keep", "keep all", "back"."""

    seq: int
    command: str

    def encode(self) -> str:
        return _within(f"{self.seq}:/{self.command}")


QuestionButton = Pick | Toggle | FinishPicking | QuestionCommand
Action = (
    PickLanguage
    | OpenStep
    | EditAnswer
    | OpenPrompt
    | ChoosePartnership
    | RevokeInvite
    | ForgetMe
    | PauseFor
    | PreferChannel
    | ChangeSchedule
    | GroupLanguages
    | QuestionButton
)
_QUESTION_COMMANDS = ("skip", "back", "keep", "keep all")
_NUMBERED: dict[str, type[OpenPrompt | PauseFor | PreferChannel | ChoosePartnership]] = {
    "p": OpenPrompt,
    "pa": PauseFor,
    "ch": PreferChannel,
    "pt": ChoosePartnership,
}


def decode(data: str | None) -> Action | None:
    """The action a button carries; ``None`` for data no button of ours ever carried."""
    if data == "fg":
        return ForgetMe()
    kind, _, payload = (data or "").partition(":")
    if _number(kind) is not None:
        return _question_button(int(kind), payload)
    if kind == "l":
        return PickLanguage(payload)
    if kind == "s":
        return OpenStep(payload)
    if kind == "g":
        return GroupLanguages(tuple(payload.split("+")))
    if kind == "e":
        return _edit(payload)
    if kind == "iv":
        return RevokeInvite(payload) if payload.isalnum() else None
    return _numbered(kind, payload) if kind in _NUMBERED else _schedule(kind, payload)


def is_control(data: str) -> bool:
    """Buttons that are not answers ("Done", "Skip", "Keep"): channels show them apart from
    options, and without buttons they are typed as their command."""
    return isinstance(decode(data), FinishPicking | QuestionCommand)


def is_skip(data: str) -> bool:
    """A "Skip" button: channels without buttons say that /skip does the same."""
    action = decode(data)
    return isinstance(action, QuestionCommand) and action.command == "skip"


def _question_button(seq: int, payload: str) -> QuestionButton:
    if payload == "=":
        return FinishPicking(seq)
    if payload.startswith("+"):
        return Toggle(seq, payload[1:])
    if payload.startswith("/") and payload[1:] in _QUESTION_COMMANDS:
        return QuestionCommand(seq, payload[1:])
    return Pick(seq, payload)


def _edit(payload: str) -> EditAnswer | None:
    conversation, _, number = payload.rpartition(":")
    question = _number(number)
    return EditAnswer(conversation, question) if conversation and question is not None else None


def _numbered(kind: str, payload: str) -> Action | None:
    number = _number(payload)
    return None if number is None else _NUMBERED[kind](number)


def _schedule(kind: str, payload: str) -> ChangeSchedule | None:
    letter, _, rest = payload.partition(":")
    if kind != "sc" or letter not in {s.value for s in ScheduleSetting}:
        return None
    setting = ScheduleSetting(letter)
    if setting is not ScheduleSetting.KPI:
        return ChangeSchedule(setting, value=rest or None)
    plan, _, value = rest.partition(":")
    plan_id = _number(plan)
    return None if plan_id is None else ChangeSchedule(setting, plan_id, value or None)


def _number(text: str) -> int | None:
    """A plain decimal number (no sign, no "²" or "١" that ``int`` would accept)."""
    if text.isascii() and text.isdigit() and len(text) <= _MAX_DIGITS:
        return int(text)
    return None


def _within(code: str) -> str:
    if len(code.encode()) > MAX_BYTES:
        raise ValueError(f"button data longer than {MAX_BYTES} bytes: {code[:80]!r}")
    return code
