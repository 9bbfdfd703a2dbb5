"""scheduling indexes, and each partnership's own reminder delay

A partnership may set its own number of working days before an unanswered prompt is
reminded (NULL: the C2C_REMINDER_DAYS setting). Prompts are found by status and due
time (the sweep that sends and reminds), outbox rows per chat in order, and memberships
by stakeholder (whose partnerships is a person in). The composite prompts index
replaces the status-only one.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-29 09:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("partnerships", schema=None) as batch_op:
        batch_op.add_column(sa.Column("reminder_days", sa.Integer(), nullable=True))

    with op.batch_alter_table("prompts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_prompts_status"))
        batch_op.create_index("ix_prompts_status_due_at", ["status", "due_at"], unique=False)

    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.create_index(
            "ix_outbox_channel_chat_id_id", ["channel", "chat_id", "id"], unique=False
        )

    with op.batch_alter_table("memberships", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_memberships_stakeholder_id"), ["stakeholder_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("memberships", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_memberships_stakeholder_id"))

    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_index("ix_outbox_channel_chat_id_id")

    with op.batch_alter_table("prompts", schema=None) as batch_op:
        batch_op.drop_index("ix_prompts_status_due_at")
        batch_op.create_index(batch_op.f("ix_prompts_status"), ["status"], unique=False)

    with op.batch_alter_table("partnerships", schema=None) as batch_op:
        batch_op.drop_column("reminder_days")
