"""The weekly digest: to every linked group and every coordinator, at their local time.

The job runs every quarter of an hour and writes each digest whose moment has come
(a group's weekday and time in its zone; Monday 09:00 for coordinators) and that was
not written before. A digest covers the seven days before its day, so the Monday digest
tells the week from Monday to Sunday; a quiet week gets the short "nothing new" digest.
Each digest's key goes into ``digest_deliveries`` in the transaction that writes it to
the outbox, so a restart, a missed run made up, or a second instance sends none twice.
Translation (if configured) and drawing the KPI chart (posted after the digest where
the channel shows pictures) happen before that transaction, never inside it.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from c2cbot.digests import posting
from c2cbot.digests.posting import Translator
from c2cbot.domain.digest_moments import clock_time, latest_digest_day, zone_named
from c2cbot.domain.digests import WeeklyFacts
from c2cbot.flows.ports import DigestChat
from c2cbot.flows.texts import Texts
from c2cbot.store import digest_deliveries
from c2cbot.store.database import Database
from c2cbot.store.digest_deliveries import Delivery, Reader

log = logging.getLogger(__name__)

EVERY_QUARTER_HOUR = {"minute": "*/15"}
#: Readers written per transaction: a chart takes a fifth of a second to draw, and the
#: first groups' digests should not wait for the last group's chart.
CHUNK = 50


@dataclass(frozen=True)
class Due:
    """A reader's digest whose moment has come: the digest day and the week it covers."""

    reader: Reader
    day: date

    @property
    def week_end(self) -> date:
        """The last day the digest covers: the seven days before its own day."""
        return self.day - timedelta(days=1)

    @property
    def period_key(self) -> str:
        return self.day.isoformat()


def due(reader: Reader, now: datetime) -> Due | None:
    """The reader's latest digest moment up to ``now``, unless it came before they joined."""
    day = latest_digest_day(reader.weekday, reader.local_time, reader.timezone, now)
    moment = datetime.combine(day, clock_time(reader.local_time), zone_named(reader.timezone))
    if moment < reader.since:
        return None
    return Due(reader, day)


async def send_weekly(
    database: Database, texts: Texts, now: datetime, translator: Translator | None = None
) -> int:
    """Write every weekly digest that is due and not yet written; how many readers got one."""
    async with database.sessions() as session:
        waiting = [d for r in await digest_deliveries.readers(session) if (d := due(r, now))]
        done = await digest_deliveries.delivered(session, {d.period_key for d in waiting})
        waiting = [d for d in waiting if _key(d) not in done]
        wanted = {(d.reader.partnership_id, d.week_end) for d in waiting}
        facts = await digest_deliveries.weekly_facts(session, wanted)
    rendered = _Rendered(facts, texts, translator)
    ready = [d for d in waiting if (d.reader.partnership_id, d.week_end) in facts]
    written = 0
    for start in range(0, len(ready), CHUNK):
        chunk = ready[start : start + CHUNK]
        deliveries = [Delivery(d.reader, d.period_key, await rendered.payloads(d)) for d in chunk]
        written += await _write(database, deliveries, now)
    return written


async def _write(database: Database, deliveries: Sequence[Delivery], now: datetime) -> int:
    """One chunk's digests in one transaction, so early readers need not wait for charts."""
    async with database.transaction() as session:
        written = await digest_deliveries.write(session, deliveries, now)
    if written:
        database.notify_committed()
    return written


def _key(waiting: Due) -> tuple[str, int, str]:
    return waiting.reader.target, waiting.reader.partnership_id, waiting.period_key


class _Rendered:
    """Digests rendered once per partnership, week, languages and channel, for many readers."""

    def __init__(
        self,
        facts: Mapping[tuple[int, date], WeeklyFacts],
        texts: Texts,
        translator: Translator | None,
    ) -> None:
        self._facts, self._texts, self._translator = facts, texts, translator
        self._done: dict[tuple[Any, ...], list[dict[str, Any]]] = {}
        self._charts = posting.Charts(texts)

    async def payloads(self, waiting: Due) -> Sequence[dict[str, Any]]:
        reader = waiting.reader
        key = (reader.partnership_id, waiting.week_end, reader.languages, reader.channel)
        if key not in self._done:
            chat = DigestChat(reader.channel, reader.chat_id, reader.languages)
            week = self._facts[(reader.partnership_id, waiting.week_end)]
            if self._translator is not None:
                week = await self._translator.weekly(week, chat.languages)
            shown = posting.weekly_messages(week, chat, self._texts)
            chart = await self._charts.message(week, chat)
            self._done[key] = [m.to_json() for m in (*shown, *([chart] if chart else []))]
        return self._done[key]
