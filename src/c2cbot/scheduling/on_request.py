"""A digest posted now, because someone asked at the terminal (``c2cbot digest``).

It is the weekly job's path, for one partnership and at once: the facts are read in a
short session; translation (if configured) and the KPI chart happen outside any
transaction; then every active group chat linked to the partnership gets its messages in
one transaction, so a run posts the digest once into each group, or (on an error)
nowhere. The running bot's dispatcher sends them. Coordinators' private chats are left
to the weekly job: a digest asked for by hand is for the groups.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from c2cbot.digests import posting
from c2cbot.digests.posting import Translator
from c2cbot.domain.digests import MeetingFacts, WeeklyFacts
from c2cbot.flows.messages import Outbound
from c2cbot.flows.ports import DigestChat
from c2cbot.flows.texts import Texts
from c2cbot.store import meetings
from c2cbot.store.database import Database
from c2cbot.store.digest_facts import preview_facts
from c2cbot.store.ledger import SqlStore


@dataclass(frozen=True)
class Posted:
    """Where a digest went: a group chat, and how many messages it got (a chart counts)."""

    chat: DigestChat
    messages: int


class NothingToPost(LookupError):
    """No such meeting for the partnership: there is no digest to post."""


async def post_digest(
    database: Database,
    texts: Texts,
    partnership_id: int,
    kind: str,
    now: datetime,
    *,
    meeting_id: int | None = None,
    translator: Translator | None = None,
) -> list[Posted]:
    """Write the partnership's weekly or meeting digest for every linked group; where."""
    async with database.sessions() as session:
        facts = await preview_facts(session, partnership_id, kind, meeting_id, now)
        chats = await meetings.digest_chats(session, partnership_id)
    if facts is None:
        raise NothingToPost(f"no {kind} digest for partnership {partnership_id}")
    planned = await _messages(facts, chats, texts, now, translator)
    if not planned:
        return []
    async with SqlStore(database).transaction() as ledger:
        for chat, messages in planned:
            await ledger.outbox.enqueue_all(chat.channel, chat.chat_id, None, messages)
    return [Posted(chat, len(messages)) for chat, messages in planned]


async def _messages(
    facts: WeeklyFacts | MeetingFacts,
    chats: Sequence[DigestChat],
    texts: Texts,
    now: datetime,
    translator: Translator | None,
) -> list[tuple[DigestChat, list[Outbound]]]:
    """Each group's messages, translated once per set of languages (no transaction open)."""
    charts = posting.Charts(texts)
    translated: dict[tuple[str, ...], WeeklyFacts | MeetingFacts] = {}
    planned: list[tuple[DigestChat, list[Outbound]]] = []
    for chat in chats:
        languages = tuple(sorted(chat.languages))
        if languages not in translated:
            translated[languages] = await _translated(facts, chat.languages, translator)
        shown = translated[languages]
        if isinstance(shown, MeetingFacts):
            planned.append((chat, posting.meeting_messages(shown, chat, texts, now)))
            continue
        chart = await charts.message(shown, chat)
        messages = posting.weekly_messages(shown, chat, texts)
        planned.append((chat, [*messages, *([chart] if chart else [])]))
    return planned


async def _translated(
    facts: WeeklyFacts | MeetingFacts, languages: Sequence[str], translator: Translator | None
) -> WeeklyFacts | MeetingFacts:
    if translator is None:
        return facts
    if isinstance(facts, MeetingFacts):
        return await translator.meeting(facts, languages)
    return await translator.weekly(facts, languages)
