"""plan activities keep their funding, expected result and who planned them

The Plan step's activities become tracked activities (``store/plan_records.py``); the
columns keep what the coordinator answered beyond title, owner and dates.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-05 02:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("activities") as batch:
        batch.add_column(sa.Column("funding", sa.String(length=20), nullable=True))
        batch.add_column(sa.Column("expected_result", sa.Text(), nullable=True))
        batch.add_column(sa.Column("planned_by", sa.Integer(), nullable=True))
        batch.create_foreign_key(
            batch.f("fk_activities_planned_by_stakeholders"),
            "stakeholders",
            ["planned_by"],
            ["id"],
            ondelete="SET NULL",
        )


def downgrade() -> None:
    with op.batch_alter_table("activities") as batch:
        batch.drop_constraint(batch.f("fk_activities_planned_by_stakeholders"), type_="foreignkey")
        batch.drop_column("planned_by")
        batch.drop_column("expected_result")
        batch.drop_column("funding")
