"""The engine's store interface (``flows.ports.Ledger``) in SQL, one transaction per instance."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

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
    planning,
    schedules,
)
from c2cbot.store.database import Database
from c2cbot.store.invites import create_invite
from c2cbot.store.models import (
    Answer,
    ChannelIdentity,
    City,
    ConversationState,
    GroupChat,
    InboundMessage,
    InviteCode,
    Membership,
    Organisation,
    OutboxMessage,
    Partnership,
    PartnershipCity,
    Stakeholder,
    utcnow,
)
from c2cbot.store.partnership_names import partnership_titles


class SqlStore:
    """``flows.ports.Store`` on SQLAlchemy: each transaction yields a fresh ``SqlLedger``."""

    def __init__(self, database: Database, *, hold_meeting_digests: bool = False) -> None:
        self.database = database
        self.hold_meeting_digests = hold_meeting_digests  # a translator is configured
        # SQLite writes one transaction at a time; PostgreSQL overlaps a few batches.
        self.parallel_batches = 1 if database.is_sqlite else POSTGRES_PARALLEL_BATCHES

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[SqlLedger]:
        async with self.database.transaction() as session:
            ledger = SqlLedger(session, hold_meeting_digests=self.hold_meeting_digests)
            yield ledger
        if ledger.enqueued:
            self.database.notify_committed()

    @asynccontextmanager
    async def batch(self) -> AsyncIterator[SqlBatch]:
        async with self.database.transaction() as session:
            batch = SqlBatch(session, self.hold_meeting_digests)
            yield batch
        if batch.enqueued:
            self.database.notify_committed()


POSTGRES_PARALLEL_BATCHES = 4


class SqlBatch:
    """One transaction for several inbound messages; each gets a SAVEPOINT and a ledger."""

    def __init__(self, session: AsyncSession, hold_meeting_digests: bool) -> None:
        self.session, self.hold_meeting_digests = session, hold_meeting_digests
        self.enqueued = 0

    @asynccontextmanager
    async def each(self) -> AsyncIterator[SqlLedger]:
        async with self.session.begin_nested():
            ledger = SqlLedger(self.session, hold_meeting_digests=self.hold_meeting_digests)
            yield ledger
        self.enqueued += ledger.enqueued


class SqlLedger:
    def __init__(self, session: AsyncSession, *, hold_meeting_digests: bool = False) -> None:
        self.session = session
        self._hold_meeting_digests = hold_meeting_digests
        self.enqueued = 0
        self._states: dict[int, ConversationState] = {}

    def _insert(self, table: Any) -> Any:
        dialect = self.session.get_bind().dialect.name
        return (postgresql if dialect == "postgresql" else sqlite).insert(table)

    async def claim(self, channel: str, dedupe_key: str) -> int | None:
        statement = (
            self._insert(InboundMessage)
            .values(channel=channel, dedupe_key=dedupe_key[:200], received_at=utcnow())
            .on_conflict_do_nothing(index_elements=["channel", "dedupe_key"])
            .returning(InboundMessage.id)
        )
        return (await self.session.execute(statement)).scalar_one_or_none()

    async def person(
        self, channel: str, external_id: str, chat_id: str, language: str, display_name: str | None
    ) -> Person:
        found = await self._known(channel, external_id)
        is_new = found is None
        if found is None:
            identity = await self._new_identity(
                channel, external_id, chat_id, language, display_name
            )
            stakeholder = await self.session.get_one(Stakeholder, identity.stakeholder_id)
            found = (identity, stakeholder, None)
        identity, stakeholder, membership = found
        _seen(identity, chat_id)
        return Person(
            stakeholder.id,
            stakeholder.language,
            stakeholder.name,
            membership.partnership_id if membership else None,
            membership.role if membership else None,
            is_new,
        )

    async def _known(
        self, channel: str, external_id: str
    ) -> tuple[ChannelIdentity, Stakeholder, Membership | None] | None:
        """Identity, person and current membership in one query: this runs for every message."""
        latest = (
            select(Membership.id)
            .where(Membership.stakeholder_id == Stakeholder.id)
            .order_by(Membership.joined_at.desc(), Membership.id.desc())
            .limit(1)
            .correlate(Stakeholder)
            .scalar_subquery()
        )
        query = (
            select(ChannelIdentity, Stakeholder, Membership)
            .join(Stakeholder, Stakeholder.id == ChannelIdentity.stakeholder_id)
            .outerjoin(Membership, Membership.id == latest)
            .where(ChannelIdentity.channel == channel, ChannelIdentity.external_id == external_id)
        )
        row = (await self.session.execute(query)).one_or_none()
        return (row[0], row[1], row[2]) if row is not None else None

    async def _new_identity(
        self, channel: str, external_id: str, chat_id: str, language: str, display_name: str | None
    ) -> ChannelIdentity:
        stakeholder = Stakeholder(language=language)
        self.session.add(stakeholder)
        await self.session.flush()
        identity = ChannelIdentity(
            channel=channel,
            external_id=external_id,
            chat_id=chat_id,
            stakeholder_id=stakeholder.id,
            display_name=(display_name or "")[:200] or None,
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
        query = (
            select(ConversationState)
            .where(ConversationState.stakeholder_id == stakeholder_id)
            .with_for_update()
        )
        state = (await self.session.execute(query)).scalar_one_or_none()
        if state is None:
            return {}
        self._states[stakeholder_id] = state  # save_state needs no second SELECT
        return dict(state.data)

    async def save_state(
        self, stakeholder_id: int, partnership_id: int | None, data: dict[str, Any]
    ) -> None:
        state = self._states.get(stakeholder_id)
        if state is None:
            self.session.add(
                ConversationState(
                    stakeholder_id=stakeholder_id, partnership_id=partnership_id, data=data
                )
            )
            return
        state.data, state.partnership_id = data, partnership_id
        state.version, state.updated_at = state.version + 1, utcnow()

    async def record(self, answer: AnswerRecord) -> None:
        self.session.add(Answer(**answer.__dict__, answered_at=utcnow()))

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
        self.session.add_all(
            OutboxMessage(
                channel=channel,
                chat_id=chat_id,
                stakeholder_id=stakeholder_id,
                payload=message.to_json(),
            )
            for message in messages
        )
        self.enqueued += len(messages)

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
        group = await self._group(channel, chat_id) or GroupChat(channel=channel, chat_id=chat_id)
        group.partnership_id, group.languages, group.active = partnership_id, languages, True
        group.linked_by, group.linked_at = by, utcnow()
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
        return await kpi_setup.last_offer(self.session, channel, chat_id)

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


SEEN_EVERY = timedelta(minutes=10)


def _seen(identity: ChannelIdentity, chat_id: str) -> None:
    """Note that a person wrote; at most every few minutes, to spare a write per message."""
    now = utcnow()
    if (
        identity.chat_id != chat_id
        or not identity.active
        or identity.last_seen_at < now - SEEN_EVERY
    ):
        identity.last_seen_at, identity.chat_id, identity.active = now, chat_id, True


def _rank(role: str) -> int:
    return {"member": 0, "coordinator": 1, "admin": 2}.get(role, 0)
