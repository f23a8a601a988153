"""Deadline policies say where a calendar-day deadline falling on a day off goes

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-02 07:30:00

`deadlinepolicy.day_off`: `next` (the next working day, as every deadline was computed before)
or `previous` (the preceding working day, as many municipal regulations say).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    rule = sa.Enum("next", "previous", name="dayoffrule")
    rule.create(op.get_bind(), checkfirst=True)
    with op.batch_alter_table("deadlinepolicy") as batch:
        batch.add_column(sa.Column("day_off", rule, server_default="next", nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("deadlinepolicy") as batch:
        batch.drop_column("day_off")
    sa.Enum(name="dayoffrule").drop(op.get_bind(), checkfirst=True)
