"""The shared database: every table c2cbot keeps, as SQLAlchemy 2 declarative models.

Migrations in ``store/migrations`` are written by hand from these models; a test
checks that the two agree so that neither drifts.

No time column has a default: every time is stamped by the code that writes the row,
from the bot's clock (``Database.clock``), so a row written without one fails loudly
instead of taking the wall clock of whichever machine runs it.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes on every backend (SQLite forgets the zone otherwise)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the database")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None or value.tzinfo is not None:
            return value
        return value.replace(tzinfo=UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        datetime: UTCDateTime(),
        dict[str, Any]: JSON(),
        list[str]: JSON(),
        date: Date(),
    }


class City(Base):
    __tablename__ = "cities"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(40), unique=True)
    name_en: Mapped[str] = mapped_column(String(120))
    name_zh: Mapped[str] = mapped_column(String(60))
    name_de: Mapped[str | None] = mapped_column(String(120))
    country: Mapped[str] = mapped_column(String(2))
    side: Mapped[str] = mapped_column(String(2))
    timezone: Mapped[str] = mapped_column(String(64))


class Organisation(Base):
    __tablename__ = "organisations"
    __table_args__ = (UniqueConstraint("city_id", "name"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    city_id: Mapped[int | None] = mapped_column(ForeignKey("cities.id"))
    name: Mapped[str] = mapped_column(String(200))


class Stakeholder(Base):
    __tablename__ = "stakeholders"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str | None] = mapped_column(String(200))
    language: Mapped[str] = mapped_column(String(16))
    city_id: Mapped[int | None] = mapped_column(ForeignKey("cities.id"))
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"))
    helix_role: Mapped[str | None] = mapped_column(String(20))
    timezone: Mapped[str | None] = mapped_column(String(64))
    paused_until: Mapped[date | None]
    active_partnership_id: Mapped[int | None] = mapped_column(
        ForeignKey("partnerships.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime]


class ChannelIdentity(Base):
    """One way to reach a person: a channel and that channel's id for them."""

    __tablename__ = "channel_identities"
    __table_args__ = (UniqueConstraint("channel", "external_id"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    channel: Mapped[str] = mapped_column(String(20))
    external_id: Mapped[str] = mapped_column(String(128))
    chat_id: Mapped[str] = mapped_column(String(128))
    stakeholder_id: Mapped[int] = mapped_column(ForeignKey("stakeholders.id", ondelete="CASCADE"))
    display_name: Mapped[str | None] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime]
    last_seen_at: Mapped[datetime]
    # The channel the person chose for prompts (/channel); at most one of theirs (0011).
    preferred: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())


class Partnership(Base):
    __tablename__ = "partnerships"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str | None] = mapped_column(String(80), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    loop: Mapped[str] = mapped_column(String(40))
    step: Mapped[str] = mapped_column(String(20))
    mou_signed: Mapped[date | None]
    mou_expires: Mapped[date | None]
    story: Mapped[str | None] = mapped_column(Text)
    follow_up_days: Mapped[int] = mapped_column(Integer, default=14, server_default="14")
    reminder_days: Mapped[int | None] = mapped_column(Integer)
    plan_review_on: Mapped[date | None]
    created_at: Mapped[datetime]


class PartnershipCity(Base):
    __tablename__ = "partnership_cities"
    partnership_id: Mapped[int] = mapped_column(
        ForeignKey("partnerships.id", ondelete="CASCADE"), primary_key=True
    )
    city_id: Mapped[int] = mapped_column(ForeignKey("cities.id"), primary_key=True)


class Membership(Base):
    __tablename__ = "memberships"
    __table_args__ = (UniqueConstraint("partnership_id", "stakeholder_id"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    partnership_id: Mapped[int] = mapped_column(ForeignKey("partnerships.id", ondelete="CASCADE"))
    stakeholder_id: Mapped[int] = mapped_column(
        ForeignKey("stakeholders.id", ondelete="CASCADE"), index=True
    )
    role: Mapped[str] = mapped_column(String(20))
    joined_at: Mapped[datetime]


class InviteCode(Base):
    __tablename__ = "invite_codes"
    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    partnership_id: Mapped[int] = mapped_column(ForeignKey("partnerships.id", ondelete="CASCADE"))
    role: Mapped[str] = mapped_column(String(20))
    uses_left: Mapped[int] = mapped_column(Integer)
    expires_at: Mapped[datetime]
    created_by: Mapped[int | None] = mapped_column(
        ForeignKey("stakeholders.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]  # revoking also sets ``expires_at`` to that moment


class GroupChat(Base):
    """A group chat linked to a partnership, where digests go in the group's languages."""

    __tablename__ = "group_chats"
    __table_args__ = (UniqueConstraint("channel", "chat_id"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    channel: Mapped[str] = mapped_column(String(20))
    chat_id: Mapped[str] = mapped_column(String(128))
    partnership_id: Mapped[int] = mapped_column(ForeignKey("partnerships.id", ondelete="CASCADE"))
    languages: Mapped[list[str]]
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    linked_by: Mapped[int | None] = mapped_column(
        ForeignKey("stakeholders.id", ondelete="SET NULL")
    )
    linked_at: Mapped[datetime]
    # When the weekly digest is posted: ISO weekday (1 Monday) and local time; the zone is
    # the group's own, else the linking coordinator's city's (see store/meetings.py).
    digest_weekday: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    digest_time: Mapped[str] = mapped_column(String(5), default="09:00", server_default="09:00")
    timezone: Mapped[str | None] = mapped_column(String(64))


class AccessToken(Base):
    """API access tokens shared by every instance, so only one of them refreshes."""

    __tablename__ = "access_tokens"
    key: Mapped[str] = mapped_column(String(120), primary_key=True)
    token: Mapped[str] = mapped_column(Text)
    expires_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class KpiDefinition(Base):
    """The KPI catalogue (partnership_id NULL) and each partnership's own KPIs."""

    __tablename__ = "kpi_definitions"
    __table_args__ = (UniqueConstraint("partnership_id", "key"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    partnership_id: Mapped[int | None] = mapped_column(
        ForeignKey("partnerships.id", ondelete="CASCADE")
    )
    key: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(10))
    unit: Mapped[str | None] = mapped_column(String(40))


class ConversationState(Base):
    """Where a person is in a conversation; survives restarts by living here."""

    __tablename__ = "conversation_states"
    stakeholder_id: Mapped[int] = mapped_column(
        ForeignKey("stakeholders.id", ondelete="CASCADE"), primary_key=True
    )
    partnership_id: Mapped[int | None] = mapped_column(
        ForeignKey("partnerships.id", ondelete="SET NULL")
    )
    data: Mapped[dict[str, Any]]
    version: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime]


class InboundMessage(Base):
    """Dedupe keys of every inbound message already handled."""

    __tablename__ = "inbound_messages"
    __table_args__ = (UniqueConstraint("channel", "dedupe_key"),)
    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    channel: Mapped[str] = mapped_column(String(20))
    dedupe_key: Mapped[str] = mapped_column(String(200))
    received_at: Mapped[datetime]


class JournalEntry(Base):
    """An inbound message confirmed to its platform before the engine stored it.

    Kept until the engine has handled it; a crash in between is repaired at the next
    start (``flows.journal``).
    """

    __tablename__ = "inbound_journal"
    __table_args__ = (UniqueConstraint("channel", "dedupe_key"),)
    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    channel: Mapped[str] = mapped_column(String(20))
    dedupe_key: Mapped[str] = mapped_column(String(200))
    inbound: Mapped[dict[str, Any]]
    received_at: Mapped[datetime]


class Answer(Base):
    """One answer; answering again adds a row, so the history stays."""

    __tablename__ = "answers"
    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    stakeholder_id: Mapped[int] = mapped_column(ForeignKey("stakeholders.id", ondelete="CASCADE"))
    partnership_id: Mapped[int | None] = mapped_column(
        ForeignKey("partnerships.id", ondelete="CASCADE"), index=True
    )
    conversation: Mapped[str] = mapped_column(String(40))
    step: Mapped[str | None] = mapped_column(String(20))
    question: Mapped[str] = mapped_column(String(80))
    item: Mapped[int | None] = mapped_column(Integer)
    value: Mapped[dict[str, Any]]
    display: Mapped[str] = mapped_column(Text)
    language: Mapped[str] = mapped_column(String(16))
    channel: Mapped[str] = mapped_column(String(20))
    inbound_id: Mapped[int | None] = mapped_column(
        ForeignKey("inbound_messages.id", ondelete="SET NULL"), index=True
    )
    answered_at: Mapped[datetime]


class OutboxMessage(Base):
    """A message waiting to be sent; the dispatcher is the only thing that sends."""

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_channel_chat_id_id", "channel", "chat_id", "id"),)
    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    channel: Mapped[str] = mapped_column(String(20), index=True)
    chat_id: Mapped[str] = mapped_column(String(128))
    stakeholder_id: Mapped[int | None] = mapped_column(
        ForeignKey("stakeholders.id", ondelete="SET NULL")
    )
    payload: Mapped[dict[str, Any]]
    status: Mapped[str] = mapped_column(String(10), default="pending", index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime]
    created_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]
    external_message_id: Mapped[str | None] = mapped_column(String(64))
    error: Mapped[str | None] = mapped_column(Text)
    # The process sending it (PostgreSQL): the key of its claimant lock (store/claimants.py).
    claimed_by: Mapped[int | None] = mapped_column(Integer)


class KpiPlan(Base):
    """A KPI a partnership measures: how often, by whom, from where to where."""

    __tablename__ = "kpi_plans"
    __table_args__ = (UniqueConstraint("partnership_id", "kpi_key"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    partnership_id: Mapped[int] = mapped_column(ForeignKey("partnerships.id", ondelete="CASCADE"))
    kpi_key: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(10))
    unit: Mapped[str | None] = mapped_column(String(40))
    currency: Mapped[str | None] = mapped_column(String(3))
    frequency: Mapped[str] = mapped_column(String(12))
    responsible_id: Mapped[int | None] = mapped_column(
        ForeignKey("stakeholders.id", ondelete="SET NULL")
    )
    responsible_helix: Mapped[str | None] = mapped_column(String(20))
    responsible_city_id: Mapped[int | None] = mapped_column(ForeignKey("cities.id"))
    baseline: Mapped[Decimal | None] = mapped_column(Numeric(24, 4))
    target: Mapped[Decimal | None] = mapped_column(Numeric(24, 4))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime]


class KpiValue(Base):
    """A reported KPI value for one period; "no change", "don't know" and "n/a" are values too."""

    __tablename__ = "kpi_values"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kpi_plan_id: Mapped[int] = mapped_column(ForeignKey("kpi_plans.id", ondelete="CASCADE"))
    period_key: Mapped[str] = mapped_column(String(32))
    value: Mapped[dict[str, Any]]
    reported_by: Mapped[int | None] = mapped_column(
        ForeignKey("stakeholders.id", ondelete="SET NULL")
    )
    late: Mapped[bool] = mapped_column(Boolean, default=False)
    reported_at: Mapped[datetime]


class Activity(Base):
    """An activity of the partnership's plan, or an action item from a meeting, followed up."""

    __tablename__ = "activities"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    partnership_id: Mapped[int] = mapped_column(ForeignKey("partnerships.id", ondelete="CASCADE"))
    title: Mapped[str] = mapped_column(String(200))
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("stakeholders.id", ondelete="SET NULL"))
    owner_name: Mapped[str | None] = mapped_column(String(200))
    starts_on: Mapped[date | None]
    due_on: Mapped[date | None]
    status: Mapped[str] = mapped_column(String(12), default="planned")
    percent_done: Mapped[int | None] = mapped_column(Integer)
    source: Mapped[str] = mapped_column(String(20), default="plan")
    funding: Mapped[str | None] = mapped_column(String(20))
    expected_result: Mapped[str | None] = mapped_column(Text)
    planned_by: Mapped[int | None] = mapped_column(
        ForeignKey("stakeholders.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime]
    meeting_id: Mapped[int | None] = mapped_column(
        ForeignKey("meetings.id", ondelete="SET NULL"), index=True
    )


class Prompt(Base):
    """One question the bot owes someone: planned, sent, answered, reminded, escalated.

    The unique key makes planning idempotent: a round planned twice, or a fan-out
    restarted after a crash, cannot ask the same person the same thing twice.
    """

    __tablename__ = "prompts"
    __table_args__ = (
        UniqueConstraint("kind", "stakeholder_id", "subject_id", "period_key"),
        Index("ix_prompts_status_due_at", "status", "due_at"),
    )
    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(12))
    stakeholder_id: Mapped[int] = mapped_column(ForeignKey("stakeholders.id", ondelete="CASCADE"))
    partnership_id: Mapped[int] = mapped_column(ForeignKey("partnerships.id", ondelete="CASCADE"))
    subject_id: Mapped[int] = mapped_column(Integer)
    period_key: Mapped[str] = mapped_column(String(32))
    due_at: Mapped[datetime] = mapped_column(index=True)
    status: Mapped[str] = mapped_column(String(12), default="planned")
    sent_at: Mapped[datetime | None]
    answered_at: Mapped[datetime | None]
    reminders: Mapped[int] = mapped_column(Integer, default=0)
    escalated_at: Mapped[datetime | None]
    created_at: Mapped[datetime]


# Meetings and digest deliveries live in ``store/meeting_models.py``, the tables that guard
# against guessing and replays in ``store/guard_models.py``;
# importing it here registers them on ``Base.metadata`` wherever the models are loaded.
from c2cbot.store import guard_models as _guard_models  # noqa: E402, F401
from c2cbot.store import meeting_models as _meeting_models  # noqa: E402, F401
