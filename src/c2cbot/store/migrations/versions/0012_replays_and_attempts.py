"""replayed callbacks and counted attempts

``callback_nonces`` holds the (timestamp, nonce) of every signed WeChat and WeCom
callback within the accepted time window, so any instance refuses a replay.
``attempts`` counts wrong invite codes and new browser identities per person and per
source address (hashed), so guessing is limited across restarts and instances.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-06 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "callback_nonces",
        sa.Column("id", _ID, nullable=False),
        sa.Column("channel", sa.String(length=20), nullable=False),
        sa.Column("timestamp", sa.String(length=20), nullable=False),
        sa.Column("nonce", sa.String(length=64), nullable=False),
        sa.Column("body", sa.String(length=64), nullable=False),
        sa.Column("seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_callback_nonces")),
        sa.UniqueConstraint(
            "channel", "timestamp", "nonce", name=op.f("uq_callback_nonces_channel")
        ),
    )
    op.create_index(op.f("ix_callback_nonces_seen_at"), "callback_nonces", ["seen_at"])
    op.create_table(
        "attempts",
        sa.Column("id", _ID, nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("subject", sa.String(length=64), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_attempts")),
    )
    op.create_index("ix_attempts_kind_subject_at", "attempts", ["kind", "subject", "at"])
    op.create_index(op.f("ix_attempts_at"), "attempts", ["at"])


def downgrade() -> None:
    op.drop_index(op.f("ix_attempts_at"), table_name="attempts")
    op.drop_index("ix_attempts_kind_subject_at", table_name="attempts")
    op.drop_table("attempts")
    op.drop_index(op.f("ix_callback_nonces_seen_at"), table_name="callback_nonces")
    op.drop_table("callback_nonces")
