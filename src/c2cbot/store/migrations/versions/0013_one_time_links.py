"""one-time links: a person's own data, and signing in to the workspace

``one_time_links`` holds the hash of each /mydata or /web link's secret (``purpose``),
whose it is, until when, and whether it was used.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-05 22:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "one_time_links",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("purpose", sa.String(length=20), nullable=False),
        sa.Column("secret_hash", sa.String(length=64), nullable=False),
        sa.Column("stakeholder_id", sa.Integer(), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["stakeholder_id"],
            ["stakeholders.id"],
            name=op.f("fk_one_time_links_stakeholder_id_stakeholders"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_one_time_links")),
        sa.UniqueConstraint("secret_hash", name=op.f("uq_one_time_links_secret_hash")),
    )
    op.create_index(op.f("ix_one_time_links_expires_at"), "one_time_links", ["expires_at"])
    op.create_index(op.f("ix_one_time_links_stakeholder_id"), "one_time_links", ["stakeholder_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_one_time_links_stakeholder_id"), table_name="one_time_links")
    op.drop_index(op.f("ix_one_time_links_expires_at"), table_name="one_time_links")
    op.drop_table("one_time_links")
