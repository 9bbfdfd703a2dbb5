"""the inbound journal

``inbound_journal`` keeps inbound messages that WeChat or WeCom were told were received
before the engine had stored them, until the engine has; a crash in between is repaired
at the next start.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-28 19:15:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "inbound_journal",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("channel", sa.String(length=20), nullable=False),
        sa.Column("dedupe_key", sa.String(length=200), nullable=False),
        sa.Column("inbound", sa.JSON(), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inbound_journal")),
        sa.UniqueConstraint("channel", "dedupe_key", name=op.f("uq_inbound_journal_channel")),
    )


def downgrade() -> None:
    op.drop_table("inbound_journal")
