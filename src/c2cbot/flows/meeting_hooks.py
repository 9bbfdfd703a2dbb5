"""The meeting conversation's hooks, as ``conversations/meeting.yaml`` names them.

Typed times, names and due dates are checked as the meeting needs them; the notes are
read back before the person confirms them; confirmed notes are saved, and their digest
is posted into every group chat linked to the partnership.
"""

from __future__ import annotations

from datetime import date
from zoneinfo import ZoneInfo

from c2cbot.domain.text import N_
from c2cbot.flows import meeting
from c2cbot.flows.answering import Parsed
from c2cbot.flows.commanding import ChatTurn
from c2cbot.flows.messages import Outbound
from c2cbot.flows.schema import Conversation
from c2cbot.flows.walk import Position

SAVED = N_("Thank you! The notes are saved.")
NOT_SAVED = N_("The notes were not saved. Send /meeting to write them again.")
POSTED = N_("Group chats the digest was posted into: {count}.")
NOT_POSTED = N_("No group chat is linked to the partnership yet, so no digest was posted.")


async def meeting_zone(turn: ChatTurn) -> str:
    """The zone the meeting's times are given in: the city picked, else the recorder's own."""
    assert turn.partnership_id is not None
    notes = meeting.Notes(turn.state.get("values", {}))
    return await turn.ledger.meetings.meeting_zone(
        turn.person.stakeholder_id, turn.partnership_id, notes.zone_city
    )


async def check_time(_turn: ChatTurn, _position: Position, parsed: Parsed) -> Parsed:
    return meeting.check_time(parsed)


async def check_people(turn: ChatTurn, _position: Position, parsed: Parsed) -> Parsed:
    return meeting.check_people(parsed, turn.language)


async def check_due(turn: ChatTurn, _position: Position, parsed: Parsed) -> Parsed:
    return meeting.check_due(parsed, await _today(turn))


async def read_back(turn: ChatTurn) -> None:
    """The notes as understood, before the person confirms them."""
    if turn.partnership_id is None:
        return
    cities = await turn.ledger.people.partnership_cities(turn.partnership_id)
    notes = meeting.Notes(turn.state.get("values", {}))
    summary = meeting.summary(
        notes,
        cities,
        turn.language,
        turn.translate,
        lambda day: turn.texts.format_date(turn.language, day),
    )
    turn.replies.append(Outbound(summary))


async def save_and_post(turn: ChatTurn, _conversation: Conversation) -> None:
    """Confirmed notes are saved (their action items become activities) and posted."""
    answers = turn.state.get("values", {})
    if answers.get(meeting.CONFIRM) is not True or turn.partnership_id is None:
        turn.say(NOT_SAVED)
        return
    draft = meeting.Notes(answers).draft(
        turn.partnership_id, turn.person.stakeholder_id, await meeting_zone(turn), turn.language
    )
    meeting_id = await turn.ledger.meetings.record_meeting(draft, turn.now)
    groups = await turn.digests.post_meeting(turn.ledger, turn.partnership_id, meeting_id, turn.now)
    turn.say(SAVED)
    if groups:
        turn.say(POSTED, count=groups)
    else:
        turn.say(NOT_POSTED)


async def _today(turn: ChatTurn) -> date:
    """The recorder's date now, in the zone the meeting's times are given in."""
    return turn.now.astimezone(ZoneInfo(await meeting_zone(turn))).date()
