"""the partnership a person works on, chosen with /partnership; answers by inbound message

People in several partnerships (Milan and Nice have five each) pick which one the chat is
about; without a choice, the one they joined last. The index on ``answers.inbound_id``
lets the retention job delete old dedupe keys without scanning every answer (the
foreign key sets the answers' reference to NULL).

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-05 02:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("stakeholders") as batch:
        batch.add_column(sa.Column("active_partnership_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(
            batch.f("fk_stakeholders_active_partnership_id_partnerships"),
            "partnerships",
            ["active_partnership_id"],
            ["id"],
            ondelete="SET NULL",
        )
    op.create_index(op.f("ix_answers_inbound_id"), "answers", ["inbound_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_answers_inbound_id"), table_name="answers")
    with op.batch_alter_table("stakeholders") as batch:
        batch.drop_constraint(
            batch.f("fk_stakeholders_active_partnership_id_partnerships"), type_="foreignkey"
        )
        batch.drop_column("active_partnership_id")
