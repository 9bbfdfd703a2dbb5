"""The engine's store interface (``flows.ports.Ledger``) in SQL, one transaction per instance."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import asynccontextmanager
from datetime import date, datetime
from typing import Any

from sqlalchemy import Executable, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Result
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from c2cbot.clock import Clock
from c2cbot.domain.digests import MeetingFacts, WeeklyFacts
from c2cbot.domain.steps import LOOPS, Step, next_step
from c2cbot.flows.messages import Choice, Outbound
from c2cbot.flows.ports import (
    AnswerRecord,
    DigestChat,
    EarlierValue,
    Invitation,
    InviteProblem,
    Joined,
    KpiPlanSpec,
    MeetingDraft,
    Person,
    Place,
    ScheduleView,
)
from c2cbot.store import (
    digest_facts,
    digest_times,
    kpi_setup,
    meeting_digests,
    meetings,
    per_message,
    planning,
    schedules,
)
from c2cbot.store.database import Database
from c2cbot.store.invites import create_invite
from c2cbot.store.models import (
    Answer,
    ChannelIdentity,
    City,
    GroupChat,
    InviteCode,
    Membership,
    Organisation,
    Partnership,
    PartnershipCity,
    Stakeholder,
)
from c2cbot.store.outbox import outbox_row
from c2cbot.store.partnership_names import partnership_titles


class SqlStore:
    """``flows.ports.Store`` on SQLAlchemy: each transaction yields a fresh ``SqlLedger``."""

    def __init__(
        self,
        database: Database,
        *,
        hold_meeting_digests: bool = False,
        on_enqueued: Callable[[Mapping[tuple[str, str], int]], None] | None = None,
    ) -> None:
        """``on_enqueued``: told, after each commit that wrote to the outbox, how many rows
        per (channel, chat); without it the dispatcher is woken."""
        self.database = database
        self._on_enqueued = on_enqueued
        self.hold_meeting_digests = hold_meeting_digests  # a translator is configured
        # SQLite writes one transaction at a time; PostgreSQL overlaps a few batches.
        self.parallel_batches = 1 if database.is_sqlite else POSTGRES_PARALLEL_BATCHES

    @property
    def urgent_write_waiting(self) -> bool:
        return self.database.urgent_waiting

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[SqlLedger]:
        async with self.database.transaction() as session:
            ledger = SqlLedger(
                session, self.database.clock, hold_meeting_digests=self.hold_meeting_digests
            )
            yield ledger
        if ledger.enqueued:
            self._committed(ledger.enqueued_to)

    @asynccontextmanager
    async def batch(self) -> AsyncIterator[SqlBatch]:
        async with self.database.transaction() as session:
            batch = SqlBatch(session, self.database.clock, self.hold_meeting_digests)
            yield batch
        if batch.enqueued:
            self._committed(batch.enqueued_to)

    def _committed(self, enqueued: Mapping[tuple[str, str], int]) -> None:
        if self._on_enqueued is None:
            self.database.notify_committed()
        else:
            self._on_enqueued(enqueued)


POSTGRES_PARALLEL_BATCHES = 4


class SqlBatch:
    """One transaction for several inbound messages; each gets a SAVEPOINT and a ledger."""

    def __init__(self, session: AsyncSession, clock: Clock, hold_meeting_digests: bool) -> None:
        self.session, self.clock = session, clock
        self.hold_meeting_digests = hold_meeting_digests
        self.enqueued = 0
        self.enqueued_to: Counter[tuple[str, str]] = Counter()

    @asynccontextmanager
    async def each(self) -> AsyncIterator[SqlLedger]:
        async with self.session.begin_nested():
            ledger = SqlLedger(
                self.session, self.clock, hold_meeting_digests=self.hold_meeting_digests
            )
            yield ledger
        self.enqueued += ledger.enqueued
        self.enqueued_to.update(ledger.enqueued_to)


class SqlLedger:
    """One transaction's view of the store; ``clock`` stamps what it writes."""

    def __init__(
        self, session: AsyncSession, clock: Clock, *, hold_meeting_digests: bool = False
    ) -> None:
        self.session, self._clock = session, clock
        self._hold_meeting_digests = hold_meeting_digests
        self.enqueued = 0
        self.enqueued_to: Counter[tuple[str, str]] = Counter()  # rows per (channel, chat)
        self._versions: dict[int, int] = {}  # conversation states read, for save_state
        self._connection: AsyncConnection | None = None

    def _insert(self, table: Any) -> Any:
        dialect = self.session.get_bind().dialect.name
        return (postgresql if dialect == "postgresql" else sqlite).insert(table)

    async def _core(self, statement: Executable, parameters: Any = None) -> Result[Any]:
        """A prebuilt Core statement on this transaction's connection, without the ORM.

        Only for rows no ORM object of this transaction changes: nothing is flushed first.
        """
        if self._connection is None:
            self._connection = await self.session.connection()
        return await self._connection.execute(statement, parameters)

    async def claim(self, channel: str, dedupe_key: str) -> int | None:
        statement = per_message.CLAIM[self.session.get_bind().dialect.name]
        parameters = {"channel": channel, "dedupe_key": dedupe_key[:200], "now": self._clock()}
        return (await self._core(statement, parameters)).scalar_one_or_none()

    async def person(
        self, channel: str, external_id: str, chat_id: str, language: str, display_name: str | None
    ) -> Person:
        """Identity, person and current membership in one query: this runs for every message."""
        parameters = {"channel": channel, "external_id": external_id}
        row = (await self._core(per_message.KNOWN, parameters)).one_or_none()
        if row is None:
            identity = await self._new_identity(
                channel, external_id, chat_id, language, display_name
            )
            stakeholder = await self.session.get_one(Stakeholder, identity.stakeholder_id)
            return Person(stakeholder.id, stakeholder.language, stakeholder.name, None, None, True)
        now = self._clock()
        if per_message.needs_seen(row, chat_id, now):
            seen = {"identity_id": row.id, "now": now, "new_chat_id": chat_id}
            await self._core(per_message.SEEN, seen)
        return Person(
            row.stakeholder_id, row.language, row.name, row.partnership_id, row.role, False
        )

    async def _new_identity(
        self, channel: str, external_id: str, chat_id: str, language: str, display_name: str | None
    ) -> ChannelIdentity:
        now = self._clock()
        stakeholder = Stakeholder(language=language, created_at=now)
        self.session.add(stakeholder)
        await self.session.flush()
        identity = ChannelIdentity(
            channel=channel,
            external_id=external_id,
            chat_id=chat_id,
            stakeholder_id=stakeholder.id,
            display_name=(display_name or "")[:200] or None,
            created_at=now,
            last_seen_at=now,
        )
        self.session.add(identity)
        await self.session.flush()
        return identity

    async def _membership(self, stakeholder_id: int) -> Membership | None:
        """The partnership a person works on now: the one they joined most recently."""
        query = (
            select(Membership)
            .where(Membership.stakeholder_id == stakeholder_id)
            .order_by(Membership.joined_at.desc(), Membership.id.desc())
            .limit(1)
        )
        return (await self.session.execute(query)).scalar_one_or_none()

    async def update_profile(self, stakeholder_id: int, field: str, value: Any) -> None:
        stakeholder = await self.session.get_one(Stakeholder, stakeholder_id)
        if field == "city":
            stakeholder.city_id = int(value)
        elif field == "organisation":
            stakeholder.organisation_id = await self._organisation(str(value), stakeholder.city_id)
        elif field in ("name", "language", "helix_role"):
            setattr(stakeholder, field, value)
        else:
            raise ValueError(f"unknown profile field {field!r}")

    async def _organisation(self, name: str, city_id: int | None) -> int:
        name = name[:200]
        query = select(Organisation.id).where(
            Organisation.name == name, Organisation.city_id == city_id
        )
        found = (await self.session.execute(query)).scalar_one_or_none()
        if found is not None:
            return found
        # Two people may name the same new organisation at once: let one insert win.
        statement = (
            self._insert(Organisation)
            .values(name=name, city_id=city_id)
            .on_conflict_do_nothing(index_elements=["city_id", "name"])
            .returning(Organisation.id)
        )
        inserted = (await self.session.execute(statement)).scalar_one_or_none()
        return (
            inserted if inserted is not None else (await self.session.execute(query)).scalar_one()
        )

    async def redeem_invite(
        self, code: str, stakeholder_id: int, now: datetime
    ) -> Joined | InviteProblem:
        invite = await self._valid_invite(code, now)
        if isinstance(invite, InviteProblem):
            return invite
        partnership = await self.session.get_one(Partnership, invite.partnership_id)
        existing = await self._member_of(partnership.id, stakeholder_id)
        if existing is None and invite.uses_left <= 0:
            return InviteProblem.USED_UP
        if existing is None:
            invite.uses_left -= 1
            existing = Membership(
                partnership_id=partnership.id,
                stakeholder_id=stakeholder_id,
                role=invite.role,
                joined_at=now,
            )
            self.session.add(existing)
        elif _rank(invite.role) > _rank(existing.role):
            existing.role = invite.role
        await self.session.flush()
        titles = await self._titles(partnership.id)
        return Joined(partnership.id, partnership.name, existing.role, titles)

    async def invite_target(self, code: str, now: datetime) -> Joined | InviteProblem:
        invite = await self._valid_invite(code, now)
        if isinstance(invite, InviteProblem):
            return invite
        partnership = await self.session.get_one(Partnership, invite.partnership_id)
        titles = await self._titles(partnership.id)
        return Joined(partnership.id, partnership.name, invite.role, titles)

    async def _titles(self, partnership_id: int) -> dict[str, str]:
        titles = await partnership_titles(self.session, [partnership_id])
        return titles.get(partnership_id, {})

    async def _valid_invite(self, code: str, now: datetime) -> InviteCode | InviteProblem:
        invite = await self.session.get(InviteCode, code, with_for_update=True)
        if invite is None:
            return InviteProblem.UNKNOWN
        return InviteProblem.EXPIRED if invite.expires_at <= now else invite

    async def create_invite(
        self, partnership_id: int, role: str, uses: int, created_by: int, now: datetime
    ) -> Invitation:
        partnership = await self.session.get_one(Partnership, partnership_id)
        invite = await create_invite(
            self.session, partnership, role=role, uses=uses, now=now, created_by=created_by
        )
        return Invitation(invite.code, invite.expires_at, invite.uses_left)

    async def role_in(self, stakeholder_id: int, partnership_id: int) -> str | None:
        membership = await self._member_of(partnership_id, stakeholder_id)
        return membership.role if membership else None

    async def _member_of(self, partnership_id: int, stakeholder_id: int) -> Membership | None:
        query = select(Membership).where(
            Membership.partnership_id == partnership_id, Membership.stakeholder_id == stakeholder_id
        )
        return (await self.session.execute(query)).scalar_one_or_none()

    async def partnership_cities(self, partnership_id: int) -> list[Place]:
        query = (
            select(City)
            .join(PartnershipCity, PartnershipCity.city_id == City.id)
            .where(PartnershipCity.partnership_id == partnership_id)
            .order_by(City.side.desc(), City.name_en)
        )
        cities = (await self.session.execute(query)).scalars()
        return [
            Place(c.id, {"en": c.name_en, "zh": c.name_zh, "de": c.name_de or c.name_en})
            for c in cities
        ]

    async def load_state(self, stakeholder_id: int) -> dict[str, Any]:
        parameters = {"stakeholder_id": stakeholder_id}
        row = (await self._core(per_message.LOAD_STATE, parameters)).one_or_none()
        if row is None:
            return {}
        self._versions[stakeholder_id] = row.version  # save_state updates, no second SELECT
        return dict(row.data)

    async def save_state(
        self, stakeholder_id: int, partnership_id: int | None, data: dict[str, Any]
    ) -> None:
        version = self._versions.get(stakeholder_id)
        if version is None:
            values = {"stakeholder_id": stakeholder_id, "partnership_id": partnership_id}
            await self._core(
                per_message.INSERT_STATE, {**values, "data": data, "updated_at": self._clock()}
            )
            self._versions[stakeholder_id] = 0
            return
        self._versions[stakeholder_id] = version + 1
        parameters = {
            "person": stakeholder_id,
            "new_partnership_id": partnership_id,
            "new_data": data,
            "new_version": version + 1,
            "now": self._clock(),
        }
        await self._core(per_message.UPDATE_STATE, parameters)

    async def record(self, answer: AnswerRecord) -> None:
        stamped = {**answer.__dict__, "answered_at": self._clock()}
        await self._core(per_message.INSERT_ANSWER, stamped)

    async def answered(self, stakeholder_id: int, partnership_id: int) -> dict[str, set[str]]:
        query = (
            select(Answer.conversation, Answer.question)
            .distinct()
            .where(Answer.stakeholder_id == stakeholder_id, Answer.partnership_id == partnership_id)
        )
        found: dict[str, set[str]] = defaultdict(set)
        for conversation, question in await self.session.execute(query):
            found[conversation].add(question.split(".", 1)[0])
        return found

    async def advance_step(self, partnership_id: int, finished: str) -> str | None:
        partnership = await self.session.get_one(Partnership, partnership_id, with_for_update=True)
        loop = LOOPS.get(partnership.loop)
        if loop is None or partnership.step != finished:
            return None
        following = next_step(loop, Step(finished))
        if following is None:
            return None
        await self.session.execute(
            update(Partnership).where(Partnership.id == partnership_id).values(step=following.value)
        )
        return following.value

    async def enqueue_all(
        self, channel: str, chat_id: str, stakeholder_id: int | None, messages: list[Outbound]
    ) -> None:
        if not messages:
            return
        rows = _outbox_rows(channel, chat_id, stakeholder_id, messages, self._clock())
        await self._core(per_message.INSERT_OUTBOX, rows if len(rows) > 1 else rows[0])
        self.enqueued += len(messages)
        self.enqueued_to[(channel, chat_id)] += len(messages)

    async def chat_event(self, channel: str, chat_id: str, event: str, detail: str | None) -> None:
        if event == "unreachable":
            await self.session.execute(
                update(ChannelIdentity)
                .where(ChannelIdentity.channel == channel, ChannelIdentity.chat_id == chat_id)
                .values(active=False)
            )
            return
        group = await self._group(channel, chat_id)
        if group is None:
            return
        if event == "left_group":
            group.active = False
        elif event == "group_moved" and detail:
            group.chat_id = detail[:128]

    async def _group(self, channel: str, chat_id: str) -> GroupChat | None:
        query = select(GroupChat).where(GroupChat.channel == channel, GroupChat.chat_id == chat_id)
        return (await self.session.execute(query)).scalar_one_or_none()

    async def link_group(
        self, channel: str, chat_id: str, partnership_id: int, languages: list[str], by: int | None
    ) -> None:
        now = self._clock()
        group = await self._group(channel, chat_id) or GroupChat(channel=channel, chat_id=chat_id)
        group.partnership_id, group.languages, group.active = partnership_id, languages, True
        group.linked_by, group.linked_at = by, now
        self.session.add(group)
        await self.session.flush()

    async def set_group_languages(self, channel: str, chat_id: str, languages: list[str]) -> bool:
        group = await self._group(channel, chat_id)
        if group is None or not group.active:
            return False
        group.languages = languages
        return True

    async def group_partnership(self, channel: str, chat_id: str) -> int | None:
        group = await self._group(channel, chat_id)
        return group.partnership_id if group is not None and group.active else None

    async def open_prompt(
        self, prompt_id: int, stakeholder_id: int
    ) -> tuple[str, dict[str, Any]] | None:
        return await planning.open_prompt(self.session, prompt_id, stakeholder_id)

    async def prompt_answered(self, prompt_id: int, values: dict[str, Any], now: datetime) -> None:
        await planning.record_prompt_answer(self.session, prompt_id, values, now)

    async def meeting_zone(
        self, stakeholder_id: int, partnership_id: int, city_id: int | None
    ) -> str:
        return await meetings.meeting_zone(self.session, stakeholder_id, partnership_id, city_id)

    async def record_meeting(self, draft: MeetingDraft, now: datetime) -> int:
        return await meetings.record_meeting(self.session, draft, now)

    async def meeting_facts(self, meeting_id: int) -> MeetingFacts | None:
        return await meetings.meeting_facts(self.session, meeting_id)

    async def last_meeting(self, partnership_id: int) -> int | None:
        return await meetings.last_meeting(self.session, partnership_id)

    async def digest_chats(self, partnership_id: int) -> list[DigestChat]:
        return await meetings.digest_chats(self.session, partnership_id)

    async def weekly_facts(self, partnership_id: int, week_end: date) -> WeeklyFacts | None:
        found = await digest_facts.weekly_facts(self.session, [partnership_id], week_end)
        return found.get(partnership_id)

    async def save_kpi_plans(
        self, partnership_id: int, plans: list[KpiPlanSpec], now: datetime
    ) -> int:
        return await kpi_setup.save_kpi_plans(self.session, partnership_id, plans, now)

    async def earlier_values(self, prompt_id: int) -> list[EarlierValue]:
        return await kpi_setup.earlier_values(self.session, prompt_id)

    async def last_offer(self, channel: str, chat_id: str) -> tuple[Choice, ...]:
        """The answer options of the newest message written to a chat, numbered as shown.

        Prebuilt: the engine asks this for every short answer.
        """
        parameters = {"channel": channel, "chat_id": chat_id}
        payload = (await self._core(per_message.LAST_PAYLOAD, parameters)).scalar_one_or_none()
        return Outbound.from_json(payload).options if payload else ()

    async def set_leave(self, stakeholder_id: int, until: date | None) -> None:
        await schedules.set_leave(self.session, stakeholder_id, until)

    async def schedule_view(self, partnership_id: int, now: datetime) -> ScheduleView:
        return await schedules.schedule_view(self.session, partnership_id, now)

    async def local_zone(self, stakeholder_id: int) -> str:
        return await schedules.local_zone(self.session, stakeholder_id)

    async def set_follow_up_days(self, partnership_id: int, days: int) -> None:
        await schedules.set_follow_up_days(self.session, partnership_id, days)

    async def set_reminder_days(self, partnership_id: int, days: int | None) -> None:
        await schedules.set_reminder_days(self.session, partnership_id, days)

    async def set_kpi_frequency(self, partnership_id: int, plan_id: int, frequency: str) -> bool:
        return await schedules.set_kpi_frequency(self.session, partnership_id, plan_id, frequency)

    async def hold_meeting_digest(self, meeting_id: int) -> bool:
        if self._hold_meeting_digests:
            await meeting_digests.hold(self.session, meeting_id)
        return self._hold_meeting_digests

    async def set_digest_time(
        self, channel: str, chat_id: str, weekday: int, at: str, zone: str | None
    ) -> str | None:
        return await digest_times.set_digest_time(self.session, channel, chat_id, weekday, at, zone)


def _rank(role: str) -> int:
    return {"member": 0, "coordinator": 1, "admin": 2}.get(role, 0)


def _outbox_rows(
    channel: str,
    chat_id: str,
    stakeholder_id: int | None,
    messages: list[Outbound],
    now: datetime,
    status: str = "pending",
) -> list[dict[str, Any]]:
    return [
        outbox_row(channel, chat_id, stakeholder_id, message.to_json(), now, status)
        for message in messages
    ]
