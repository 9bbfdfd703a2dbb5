"""Meetings and the digests already delivered: what the digests are made from and sent
once, kept apart from the partnership's step records in ``store/models.py``."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String, Text, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column

from c2cbot.store.models import Base


class Meeting(Base):
    """A meeting's notes as the person who recorded them confirmed them.

    Typed text stays as written, in ``language``; action items live on as activities
    (``Activity.meeting_id``) so the progress prompts follow them up.
    """

    __tablename__ = "meetings"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    partnership_id: Mapped[int] = mapped_column(
        ForeignKey("partnerships.id", ondelete="CASCADE"), index=True
    )
    recorded_by: Mapped[int | None] = mapped_column(
        ForeignKey("stakeholders.id", ondelete="SET NULL")
    )
    kind: Mapped[str] = mapped_column(String(20))
    starts_at: Mapped[datetime]
    timezone: Mapped[str] = mapped_column(String(64))
    place: Mapped[str | None] = mapped_column(Text)
    participants: Mapped[list[Any]] = mapped_column(JSON)
    agenda: Mapped[list[str]]
    decisions: Mapped[list[str]]
    language: Mapped[str] = mapped_column(String(16))
    confirmed_at: Mapped[datetime]
    # Set when the notes are confirmed and a translation provider is configured: the
    # meeting-digest job translates and posts the digest, then clears it (0007).
    digest_pending: Mapped[bool] = mapped_column(
        Boolean, default=False, server_default=false(), index=True
    )


class DigestDelivery(Base):
    """A weekly digest already written to the outbox for one chat and week: sent once only."""

    __tablename__ = "digest_deliveries"
    __table_args__ = (UniqueConstraint("kind", "target", "partnership_id", "period_key"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(10))
    target: Mapped[str] = mapped_column(String(40))  # "group:<id>" or "person:<id>"
    partnership_id: Mapped[int] = mapped_column(ForeignKey("partnerships.id", ondelete="CASCADE"))
    period_key: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime]
