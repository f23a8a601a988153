"""timer retries, outbox progress, the token behind an audit event

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01 09:00:00

A timer whose firing fails no longer rolls back its batch: the poller writes down the failure
(attempts, last_error, failed_at), moves due_at on and, after MCU_TIMER_MAX_ATTEMPTS failures,
sets the new status `parked`, which the poller never claims.

An outbox row sent as several messages (an answer's parts, its photos, the question) keeps
`parts_sent`, committed after each message, so that a retry repeats none already delivered.

An item event done through the API records `token_id`, the ApiToken that acted (0 for the
bootstrap MCU_ADMIN_TOKEN, which has no row), so that an action by a token naming no staff
member is still attributed. No foreign key: the audit outlives the tokens.
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import models.base

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        # Allowed inside the migration's transaction (Postgres 12+) as long as nothing here
        # uses the new value; SQLite keeps enums as plain strings.
        op.execute("ALTER TYPE timerstatus ADD VALUE IF NOT EXISTS 'parked'")
    with op.batch_alter_table("timer", schema=None) as batch_op:
        batch_op.add_column(sa.Column("attempts", sa.Integer(), server_default="0", nullable=False))
        batch_op.add_column(
            sa.Column("last_error", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True)
        )
        batch_op.add_column(
            sa.Column("failed_at", models.base.UTCDateTime(timezone=True), nullable=True)
        )
    with op.batch_alter_table("itemevent", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "token_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
            )
        )
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("parts_sent", sa.Integer(), server_default="0", nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_column("parts_sent")
    with op.batch_alter_table("itemevent", schema=None) as batch_op:
        batch_op.drop_column("token_id")
    # Postgres cannot drop an enum value: parked timers become cancelled, the value stays unused.
    op.execute("UPDATE timer SET status = 'cancelled' WHERE status = 'parked'")
    with op.batch_alter_table("timer", schema=None) as batch_op:
        batch_op.drop_column("failed_at")
        batch_op.drop_column("last_error")
        batch_op.drop_column("attempts")
