"""Tables that guard against guessing and replays: /connect codes and the wrong tries at
them, counted wrong invite codes, the signed callbacks already seen, the one-time links
to a person's own data and to the partnership workspace, and the workspace's sessions.

Kept apart from ``store/models.py`` (the partnership's own records) because they hold no
one's answers: only hashes, counts and moments, all pruned after a short time.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from c2cbot.store.models import Base


class ConnectCode(Base):
    """A short-lived, single-use code that links another channel to a person (/connect).

    Only a hash of the code is kept, so the table gives nobody a code to type.
    """

    __tablename__ = "connect_codes"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    stakeholder_id: Mapped[int] = mapped_column(
        ForeignKey("stakeholders.id", ondelete="CASCADE"), index=True
    )
    identity_id: Mapped[int] = mapped_column(
        ForeignKey("channel_identities.id", ondelete="CASCADE"), index=True
    )
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]
    created_at: Mapped[datetime]


class OneTimeLink(Base):
    """A link handed to a person once: their data to download (/mydata, a day) or a
    sign-in to the workspace (/web, a quarter of an hour); ``purpose`` says which.

    Only a hash of the link's secret is kept, and the link is used up when opened
    (``store/one_time_links``); a /mydata file is made only then, so no copy waits.
    """

    __tablename__ = "one_time_links"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    purpose: Mapped[str] = mapped_column(String(20))
    secret_hash: Mapped[str] = mapped_column(String(64), unique=True)
    stakeholder_id: Mapped[int] = mapped_column(
        ForeignKey("stakeholders.id", ondelete="CASCADE"), index=True
    )
    expires_at: Mapped[datetime] = mapped_column(index=True)
    used_at: Mapped[datetime | None]
    created_at: Mapped[datetime]


class WebSession(Base):
    """A browser signed in to the partnership workspace.

    Only a hash of the cookie's secret is kept, so a copy of the database signs nobody
    in. ``expires_at`` slides with use up to a limit (``domain/web_sign_in.py``); the row
    goes at sign-out, at erasure, and once expired (the retention job).
    """

    __tablename__ = "web_sessions"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    secret_hash: Mapped[str] = mapped_column(String(64), unique=True)
    stakeholder_id: Mapped[int] = mapped_column(
        ForeignKey("stakeholders.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[datetime]
    seen_at: Mapped[datetime]
    expires_at: Mapped[datetime] = mapped_column(index=True)


class ConnectAttempt(Base):
    """A /connect code that did not work, kept an hour: too many and the identity waits."""

    __tablename__ = "connect_attempts"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    identity_id: Mapped[int] = mapped_column(
        ForeignKey("channel_identities.id", ondelete="CASCADE"), index=True
    )
    attempted_at: Mapped[datetime]


class CallbackNonce(Base):
    """A signed WeChat or WeCom callback seen: its (timestamp, nonce) may not come again.

    Kept in the shared database so that every instance refuses a replay, and pruned once
    the timestamp has left the window a callback is accepted in.
    """

    __tablename__ = "callback_nonces"
    __table_args__ = (UniqueConstraint("channel", "timestamp", "nonce"),)
    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    channel: Mapped[str] = mapped_column(String(20))
    timestamp: Mapped[str] = mapped_column(String(20))
    nonce: Mapped[str] = mapped_column(String(64))
    body: Mapped[str] = mapped_column(String(64))  # SHA-256 of the body: a retry, or a replay?
    seen_at: Mapped[datetime] = mapped_column(index=True)


class Attempt(Base):
    """One counted try: a wrong invite code, a new browser identity.

    ``subject`` is a hash of who tried (a person, a source address), never the address
    itself; rows older than the longest window are pruned.
    """

    __tablename__ = "attempts"
    __table_args__ = (Index("ix_attempts_kind_subject_at", "kind", "subject", "at"),)
    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    subject: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(index=True)
