"""one person on several channels

``connect_codes`` holds the hashes of the short-lived codes /connect shows,
``connect_attempts`` the wrong codes each channel identity typed in the last hour (the
rate limit), and ``channel_identities.preferred`` marks the channel a person chose for
prompts.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-05 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("channel_identities", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("preferred", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
    op.create_table(
        "connect_codes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("stakeholder_id", sa.Integer(), nullable=False),
        sa.Column("identity_id", sa.Integer(), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["identity_id"],
            ["channel_identities.id"],
            name=op.f("fk_connect_codes_identity_id_channel_identities"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["stakeholder_id"],
            ["stakeholders.id"],
            name=op.f("fk_connect_codes_stakeholder_id_stakeholders"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_connect_codes")),
        sa.UniqueConstraint("code_hash", name=op.f("uq_connect_codes_code_hash")),
    )
    with op.batch_alter_table("connect_codes", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_connect_codes_identity_id"), ["identity_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_connect_codes_stakeholder_id"), ["stakeholder_id"], unique=False
        )
    op.create_table(
        "connect_attempts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("identity_id", sa.Integer(), nullable=False),
        sa.Column("attempted_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["identity_id"],
            ["channel_identities.id"],
            name=op.f("fk_connect_attempts_identity_id_channel_identities"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_connect_attempts")),
    )
    with op.batch_alter_table("connect_attempts", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_connect_attempts_identity_id"), ["identity_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("connect_attempts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_connect_attempts_identity_id"))
    op.drop_table("connect_attempts")
    with op.batch_alter_table("connect_codes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_connect_codes_stakeholder_id"))
        batch_op.drop_index(batch_op.f("ix_connect_codes_identity_id"))
    op.drop_table("connect_codes")
    with op.batch_alter_table("channel_identities", schema=None) as batch_op:
        batch_op.drop_column("preferred")
