"""report indexes: covering, open backlog, decisions, reopened, median per recipient

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-24 06:40:00

The report queries read one moment's index each (registered, taken, answered, closed,
reopened) and the open backlog; on Postgres these indexes carry the columns those queries
aggregate (INCLUDE), so a year of a large municipality is read from the indexes alone instead
of the wide item rows. SQLite ignores INCLUDE and keeps plain indexes on the same keys.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The open statuses (workflows.items.transitions.OPEN) as they were at this revision.
OPEN = "status IN ('assigned', 'clarification', 'in_progress', 'new', 'reopened')"
DECISION = f"status IN ('new', 'reopened') OR extension_requested_days IS NOT NULL AND {OPEN}"

COVERING = (
    ("ix_item_muni_registered", "registered_at", ["channel", "kind"]),
    ("ix_item_muni_taken", "taken_at", ["take_wsec"]),
    (
        "ix_item_muni_answered",
        "answered_at",
        ["answer_wsec", "due_at", "solved", "rating", "reopens", "assignee_id"],
    ),
)


def upgrade() -> None:
    with op.batch_alter_table("item", schema=None) as batch_op:
        for name, moment, include in COVERING:
            batch_op.drop_index(name)
            batch_op.create_index(
                name, ["municipality_id", moment], unique=False, postgresql_include=include
            )
        batch_op.create_index(
            "ix_item_muni_reopened", ["municipality_id", "reopened_at"], unique=False
        )
        batch_op.create_index(
            "ix_item_open",
            ["municipality_id", "due_at"],
            unique=False,
            postgresql_include=["assignee_id", "sector_id"],
            postgresql_where=sa.text(OPEN),
            sqlite_where=sa.text(OPEN),
        )
        batch_op.create_index(
            "ix_item_decision",
            ["municipality_id", "registered_at"],
            unique=False,
            postgresql_where=sa.text(DECISION),
            sqlite_where=sa.text(DECISION),
        )
        batch_op.create_index(
            "ix_item_muni_assignee_wsec",
            ["municipality_id", "assignee_id", "answer_wsec"],
            unique=False,
            postgresql_include=["answered_at"],
        )


def downgrade() -> None:
    with op.batch_alter_table("item", schema=None) as batch_op:
        batch_op.drop_index("ix_item_muni_assignee_wsec")
        batch_op.drop_index("ix_item_decision")
        batch_op.drop_index("ix_item_open")
        batch_op.drop_index("ix_item_muni_reopened")
        for name, moment, _ in COVERING:
            batch_op.drop_index(name)
            batch_op.create_index(name, ["municipality_id", moment], unique=False)
