"""one-time downloads of a person's own data

``data_downloads`` holds the hash of each /mydata link's secret, whose data it gives,
until when, and whether it was used.

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
        "data_downloads",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("secret_hash", sa.String(length=64), nullable=False),
        sa.Column("stakeholder_id", sa.Integer(), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["stakeholder_id"],
            ["stakeholders.id"],
            name=op.f("fk_data_downloads_stakeholder_id_stakeholders"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_data_downloads")),
        sa.UniqueConstraint("secret_hash", name=op.f("uq_data_downloads_secret_hash")),
    )
    op.create_index(op.f("ix_data_downloads_expires_at"), "data_downloads", ["expires_at"])
    op.create_index(op.f("ix_data_downloads_stakeholder_id"), "data_downloads", ["stakeholder_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_data_downloads_stakeholder_id"), table_name="data_downloads")
    op.drop_index(op.f("ix_data_downloads_expires_at"), table_name="data_downloads")
    op.drop_table("data_downloads")
