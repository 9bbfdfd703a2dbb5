"""Meeting digests held for translation: translated, then posted once (every 20 seconds).

When a translation provider is configured, confirming meeting notes only marks the
meeting (``store.meeting_digests``). This job reads the marked meetings, has the typed
text translated into each group's languages outside any transaction — a slow or broken
provider costs at most its timeout and leaves the text untranslated, so the digest still
goes out on time — and then, in a transaction of its own, clears the mark and writes the
digest to the outbox. A run after a restart, or on a second instance, finds the mark
cleared and writes nothing: each digest is posted exactly once.

The same concept as ``store/meeting_digests.py``, one layer up: this module is the job,
that one its rows.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from c2cbot.digests import posting
from c2cbot.digests.posting import Translator
from c2cbot.domain.digests import MeetingFacts
from c2cbot.flows.ports import DigestChat
from c2cbot.flows.texts import Texts
from c2cbot.scheduling import jobs
from c2cbot.store import meeting_digests as held
from c2cbot.store import meetings
from c2cbot.store.database import Database

log = logging.getLogger(__name__)

EVERY_TWENTY_SECONDS = {"second": "*/20"}
BATCH = 20  # meetings per run; more wait for the next run

Payloads = list[tuple[DigestChat, Sequence[dict[str, Any]]]]


async def meeting_digests(
    database: Database | None = None,
    texts: Texts | None = None,
    now: datetime | None = None,
    *,
    run: str | None = None,
    translator: Translator | None = None,
) -> int:
    """Translate and post the meeting digests waiting for it; how many meetings were posted."""
    call = jobs._call(run, database, texts, now)
    if run is not None:
        translator = jobs._RUNNING[run].translator
    posted = await post_held(call.database, call.texts, call.now, translator)
    if posted:
        log.info("meeting_digests: %d meeting digests posted", posted)
    return posted


async def post_held(
    database: Database, texts: Texts, now: datetime, translator: Translator | None
) -> int:
    """Post every held meeting digest, each in its own transaction; how many."""
    async with database.sessions() as session:
        waiting = await held.pending(session, BATCH)
        found = [
            (
                meeting_id,
                await meetings.meeting_facts(session, meeting_id),
                await meetings.digest_chats(session, partnership_id),
            )
            for meeting_id, partnership_id in waiting
        ]
    posted = 0
    for meeting_id, facts, chats in found:
        try:
            payloads = await _payloads(facts, chats, texts, now, translator)
            async with database.transaction() as session:
                done = await held.post(session, meeting_id, payloads, now)
        except Exception:  # one broken meeting must not hold up the others
            log.exception("meeting %d: the digest could not be posted; trying again", meeting_id)
            continue
        if done and payloads:
            database.notify_committed()
        posted += done
    return posted


async def _payloads(
    facts: MeetingFacts | None,
    chats: Sequence[DigestChat],
    texts: Texts,
    now: datetime,
    translator: Translator | None,
) -> Payloads:
    """Each chat's messages, translated once per set of languages (outside transactions)."""
    if facts is None:
        return []
    translated: dict[frozenset[str], MeetingFacts] = {}
    payloads: Payloads = []
    for chat in chats:
        languages = frozenset(chat.languages)
        if languages not in translated:
            translated[languages] = (
                await translator.meeting(facts, chat.languages) if translator else facts
            )
        shown = posting.meeting_messages(translated[languages], chat, texts, now)
        payloads.append((chat, [m.to_json() for m in shown]))
    return payloads
