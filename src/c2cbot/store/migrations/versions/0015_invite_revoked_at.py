"""when an invite code was revoked

A revoked code still expires at the moment it is revoked (so redeeming it gets the
chat's "expired" answer, as before); ``revoked_at`` only says that it was revoked, so
the coordinators' people page can tell "revoked" from "expired".

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-06 12:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("invite_codes") as batch:
        batch.add_column(sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("invite_codes") as batch:
        batch.drop_column("revoked_at")
