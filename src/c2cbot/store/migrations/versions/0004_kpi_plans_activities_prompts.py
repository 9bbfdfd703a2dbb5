"""kpi plans activities prompts

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-28 13:25:42.798179
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:

    op.create_table(
        "activities",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("partnership_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=True),
        sa.Column("owner_name", sa.String(length=200), nullable=True),
        sa.Column("starts_on", sa.Date(), nullable=True),
        sa.Column("due_on", sa.Date(), nullable=True),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("percent_done", sa.Integer(), nullable=True),
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["owner_id"],
            ["stakeholders.id"],
            name=op.f("fk_activities_owner_id_stakeholders"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["partnership_id"],
            ["partnerships.id"],
            name=op.f("fk_activities_partnership_id_partnerships"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_activities")),
    )
    op.create_table(
        "kpi_plans",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("partnership_id", sa.Integer(), nullable=False),
        sa.Column("kpi_key", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("unit", sa.String(length=40), nullable=True),
        sa.Column("currency", sa.String(length=3), nullable=True),
        sa.Column("frequency", sa.String(length=12), nullable=False),
        sa.Column("responsible_id", sa.Integer(), nullable=True),
        sa.Column("responsible_helix", sa.String(length=20), nullable=True),
        sa.Column("responsible_city_id", sa.Integer(), nullable=True),
        sa.Column("baseline", sa.Numeric(precision=24, scale=4), nullable=True),
        sa.Column("target", sa.Numeric(precision=24, scale=4), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["partnership_id"],
            ["partnerships.id"],
            name=op.f("fk_kpi_plans_partnership_id_partnerships"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["responsible_city_id"],
            ["cities.id"],
            name=op.f("fk_kpi_plans_responsible_city_id_cities"),
        ),
        sa.ForeignKeyConstraint(
            ["responsible_id"],
            ["stakeholders.id"],
            name=op.f("fk_kpi_plans_responsible_id_stakeholders"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_kpi_plans")),
        sa.UniqueConstraint("partnership_id", "kpi_key", name=op.f("uq_kpi_plans_partnership_id")),
    )
    op.create_table(
        "prompts",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("stakeholder_id", sa.Integer(), nullable=False),
        sa.Column("partnership_id", sa.Integer(), nullable=False),
        sa.Column("subject_id", sa.Integer(), nullable=False),
        sa.Column("period_key", sa.String(length=32), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reminders", sa.Integer(), nullable=False),
        sa.Column("escalated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["partnership_id"],
            ["partnerships.id"],
            name=op.f("fk_prompts_partnership_id_partnerships"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["stakeholder_id"],
            ["stakeholders.id"],
            name=op.f("fk_prompts_stakeholder_id_stakeholders"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_prompts")),
        sa.UniqueConstraint(
            "kind", "stakeholder_id", "subject_id", "period_key", name=op.f("uq_prompts_kind")
        ),
    )
    with op.batch_alter_table("prompts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_prompts_due_at"), ["due_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_prompts_status"), ["status"], unique=False)

    op.create_table(
        "kpi_values",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kpi_plan_id", sa.Integer(), nullable=False),
        sa.Column("period_key", sa.String(length=32), nullable=False),
        sa.Column("value", sa.JSON(), nullable=False),
        sa.Column("reported_by", sa.Integer(), nullable=True),
        sa.Column("late", sa.Boolean(), nullable=False),
        sa.Column("reported_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["kpi_plan_id"],
            ["kpi_plans.id"],
            name=op.f("fk_kpi_values_kpi_plan_id_kpi_plans"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["reported_by"],
            ["stakeholders.id"],
            name=op.f("fk_kpi_values_reported_by_stakeholders"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_kpi_values")),
    )
    with op.batch_alter_table("partnerships", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("follow_up_days", sa.Integer(), server_default="14", nullable=False)
        )
        batch_op.add_column(sa.Column("plan_review_on", sa.Date(), nullable=True))

    with op.batch_alter_table("stakeholders", schema=None) as batch_op:
        batch_op.add_column(sa.Column("paused_until", sa.Date(), nullable=True))


def downgrade() -> None:

    with op.batch_alter_table("stakeholders", schema=None) as batch_op:
        batch_op.drop_column("paused_until")

    with op.batch_alter_table("partnerships", schema=None) as batch_op:
        batch_op.drop_column("plan_review_on")
        batch_op.drop_column("follow_up_days")

    op.drop_table("kpi_values")
    with op.batch_alter_table("prompts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_prompts_status"))
        batch_op.drop_index(batch_op.f("ix_prompts_due_at"))

    op.drop_table("prompts")
    op.drop_table("kpi_plans")
    op.drop_table("activities")
