"""Consent at onboarding, and again whenever the privacy notice changes (GDPR Art. 6, 7
and 13; PIPL Art. 13, 14 and 39).

Onboarding asks ``consent`` right after ``language``: its ``before`` hook shows the
notice (the text /privacy shows), its ``check`` turns "yes" into a consent record (what
it covers and the notice's version; the answer row has the time, from the bot's clock)
and refuses "no" with the reason, and its ``after`` hook notes the version in the
person's state, so later messages know it without a query. Until then nothing the person
types is stored as an answer (``may_record``): only the language they choose is kept, as
a profile setting, which the notice says. An invite code sent with /start before consent
waits in the state and is redeemed once consent is given.

After the city question a person whose city is on the Chinese side is asked
``consent_abroad`` as well: their data is shared with the European partner city and
stored and processed outside China. Refusing it while joining erases what onboarding
stored (its answers, the membership, the profile) and the chat identity, as /forget
does: writing again starts afresh.

``gate`` runs first in every private turn. A person in a partnership (or onboarded)
whose state holds another notice version, or none, goes through
``conversations/consent.yaml`` before anything else; the conversation they were in waits
and resumes afterwards. /privacy, /mydata, /forget, /help and /language work meanwhile;
nothing else does until they consent.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

from c2cbot.domain import values
from c2cbot.domain.text import N_
from c2cbot.domain.values import InvalidValue
from c2cbot.flows import corrections, notice, steps_menu
from c2cbot.flows.actions import ForgetMe, Pick, PickLanguage, QuestionCommand, decode
from c2cbot.flows.answer_history import consent_in, consent_record
from c2cbot.flows.answering import Parsed
from c2cbot.flows.commanding import ChatTurn
from c2cbot.flows.invites import redeem
from c2cbot.flows.messages import Outbound
from c2cbot.flows.ports import AnswerRecord
from c2cbot.flows.schema import Kind, Question
from c2cbot.flows.walk import Position

CONSENT = "consent"
"""The conversation that asks again, and where the state keeps the versions consented to."""
SIDE = "side"
"""Where the state keeps the side of the person's city: ``cn`` or ``eu``."""
HELD_INVITE = "held_invite"
DATA, ABROAD = "data", "abroad"
CHINESE_SIDE = "cn"
ASKS_ABROAD = "asks_abroad"
PASSING = frozenset({"privacy", "mydata", "forget", "help", "language"})
"""Commands that work before consent: reading the notice, one's data, erasing it."""
ANSWERING = frozenset({"back", "skip", "cancel", "start"})
"""Commands about the question asked, which work while consent is asked."""

REFUSED = N_(
    "Without your consent I cannot store anything, so we cannot go on. You can come back "
    "any time: send /start and I will ask again."
)
ABROAD_REFUSED_JOINING = N_(
    "Working in this partnership means that your data is shared with the partner city "
    "outside China, so I cannot go on without this consent. I have erased what you told me "
    "while joining. You can come back any time with /start."
)
ABROAD_REFUSED = N_(
    "The partnership's record is shared with the partner city outside China, so I cannot "
    "go on without this consent. What is kept about you stays as it was until you erase it "
    "with /forget; send /start to be asked again."
)


def versions(state: Mapping[str, Any]) -> dict[str, str]:
    """The notice version consented to, per scope (``data``, ``abroad``)."""
    found = state.get(CONSENT)
    return dict(found) if isinstance(found, Mapping) else {}


def given(state: Mapping[str, Any]) -> bool:
    """Whether the person has consented to the handling of their data (any version)."""
    return DATA in versions(state)


def current(state: Mapping[str, Any], version: str) -> bool:
    """Consent to the notice of ``version``, and to the transfer abroad if their city is in
    China."""
    consented = versions(state)
    abroad = state.get(SIDE) != CHINESE_SIDE or consented.get(ABROAD) == version
    return consented.get(DATA) == version and abroad


def may_record(state: Mapping[str, Any], value: Any) -> bool:
    """Whether an answer may be stored: only after consent, the consent being the first."""
    return given(state) or consent_in({"value": value}) is not None


def passed_over(state: Mapping[str, Any], question: Question) -> bool:
    """For the progress line: a later question known not to be asked, because an invite
    code waits for consent, or because the person's city is not in China."""
    if question.type is Kind.INVITE:
        return HELD_INVITE in state
    known = state.get(SIDE) is not None
    return question.ask_if == ASKS_ABROAD and known and state.get(SIDE) != CHINESE_SIDE


def personal(record: AnswerRecord) -> AnswerRecord:
    """A consent is the person's own, given to whoever runs the service: it is no answer
    of a partnership, and its digests and exports do not count it."""
    if consent_in(record.value) is None:
        return record
    return dataclasses.replace(record, partnership_id=None)


def hold_invite(state: dict[str, Any], code: str) -> None:
    """/start CODE before consent: the code waits, so joining happens only after it."""
    state[HELD_INVITE] = code[:64]


async def gate(turn: ChatTurn, text: str) -> bool:
    """Before anything else: ask for consent to this notice, if it is due; whether asked.

    While it is asked, only its answers and the commands about one's data go through."""
    state = turn.state
    joined = state.get("onboarded") or turn.partnership_id is not None
    if current(state, notice.version_of(turn.privacy)) or not joined:
        return False
    if state.get("conv") == steps_menu.ONBOARDING:
        return False  # it asks for consent itself
    asking = state.get("conv") == CONSENT
    if _passes(turn, text, asking):
        return False
    if asking:
        await turn.reask()  # something else than its answer: the question again
        return True
    if SIDE not in state:  # people who joined before consent was asked
        side = await turn.ledger.people.city_side(turn.person.stakeholder_id)
        state.update({SIDE: side} if side else {})
    corrections.pause(state)  # the conversation under way resumes after consent
    await turn.start(CONSENT)
    return True


def _passes(turn: ChatTurn, text: str, asking: bool) -> bool:
    """A command about one's data, or (while consent is asked) an answer to it."""
    if turn.inbound.action:
        action = decode(turn.inbound.action)
        answer = asking and isinstance(action, Pick | QuestionCommand)
        return answer or isinstance(action, PickLanguage | ForgetMe)
    command = values.normalise(text)
    if not command.startswith("/"):
        return asking
    name = command[1:].partition(" ")[0].split("@", 1)[0].lower()
    return name in PASSING or (asking and name in ANSWERING)


# ----- the hooks conversation files name (registered in flows/hooks.py)


async def show_notice(turn: ChatTurn) -> None:
    """``before``: the privacy notice, as /privacy shows it."""
    turn.replies.append(Outbound(notice.notice(turn.translate, turn.privacy, turn.inbound.channel)))


async def check(turn: ChatTurn, _position: Position, parsed: Parsed) -> Parsed:
    """``check``: "yes" becomes the consent record; "no" is refused, and nothing is kept."""
    if parsed.value is not True:
        raise InvalidValue(REFUSED)
    return Parsed(consent_record(DATA, notice.version_of(turn.privacy)), parsed.display)


async def check_abroad(turn: ChatTurn, _position: Position, parsed: Parsed) -> Parsed:
    """``check``: consent to the transfer out of China; refused while joining, what joining
    stored is erased and the conversation ends; refused later, it is asked again."""
    if parsed.value is True:
        return Parsed(consent_record(ABROAD, notice.version_of(turn.privacy)), parsed.display)
    if turn.state.get("conv") != steps_menu.ONBOARDING:
        raise InvalidValue(ABROAD_REFUSED)
    await turn.ledger.people.erase(turn.person.stakeholder_id, refused=True)
    turn.state.clear()
    turn.partnership_id = turn.role = None
    raise InvalidValue(ABROAD_REFUSED_JOINING)


async def consented(turn: ChatTurn, _question: Question, parsed: Parsed) -> None:
    """``after``: the version consented to goes into the state; a held invite is redeemed."""
    record = consent_in({"value": parsed.value})
    assert record is not None, "the consent check makes the record"
    turn.state.setdefault(CONSENT, {})[str(record["scope"])] = str(record["notice"])
    held = turn.state.pop(HELD_INVITE, None)
    if held and record["scope"] == DATA:
        await redeem(turn, str(held))


async def note_city(turn: ChatTurn, _question: Question, _parsed: Parsed) -> None:
    """``after`` the city: which side it is on, for the consent to the transfer abroad."""
    side = await turn.ledger.people.city_side(turn.person.stakeholder_id)
    turn.state[SIDE] = side


def asks_abroad(turn: ChatTurn) -> bool:
    """``ask_if``: the transfer abroad is asked of people in Chinese cities only."""
    return turn.state.get(SIDE) == CHINESE_SIDE
