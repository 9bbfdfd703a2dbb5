"""which process is sending an outbox message

Several processes share the outbox on PostgreSQL (``c2cbot run --workers N``, or several
machines). A message a process claimed stays "sending" until it is marked sent; if that
process dies, the message waited for the ten-minute lease before anyone sent it again.
``claimed_by`` names the claiming process by the key of an advisory lock it holds while
it lives (``store/claimants.py``), so the others see at once that it is gone.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-06 01:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("outbox") as batch:
        batch.add_column(sa.Column("claimed_by", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("outbox") as batch:
        batch.drop_column("claimed_by")
