"""The formal 59-ФЗ path: appeals' own row, competent bodies, letters, two roles, two states

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-02 13:00:00

- `appeal`: per 59-ФЗ item, the reply address kind, the body complained about (ст. 8 ч. 6), the
  outcome (ст. 11), where it was forwarded, late registration, the raw 30-day date that
  extensions count from (ст. 12 ч. 2), the appeal it repeats, the sign-off.
- `competentbody`: the bodies a setup names, appeals are forwarded to them (ст. 8 ч. 3).
- `letter`: each notice the law requires, by e-mail (outbox channel `email`) or for the post.
- `item.received_at` / `register_due_at`: received and registered are two dates (ст. 8 ч. 2).
- `citizen.email`, `staff.signs`, `municipality.letterhead`.
- Roles `glava`, `pos_officer`; item states `received` and `signoff` (both open, so the partial
  indexes of the open backlog are rebuilt with them); channel `email`.
Existing appeals get their row (received = registered, as they were counted until now).
Going down leaves the new enum values in Postgres (it cannot drop them); nothing uses them then.
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import models.base

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OLD_OPEN = "status IN ('assigned', 'clarification', 'in_progress', 'new', 'reopened')"
NEW_OPEN = (
    "status IN ('assigned', 'clarification', 'in_progress', 'new', 'received', 'reopened', "
    "'signoff')"
)
NEW_VALUES = (
    ("role", "glava"),
    ("role", "pos_officer"),
    ("itemstatus", "received"),
    ("itemstatus", "signoff"),
    ("channel", "email"),
)


def _decision(open_sql: str) -> str:
    return f"status IN ('new', 'reopened') OR extension_requested_days IS NOT NULL AND {open_sql}"


def _open_indexes(open_sql: str) -> None:
    with op.batch_alter_table("item", schema=None) as batch_op:
        batch_op.drop_index("ix_item_open")
        batch_op.drop_index("ix_item_decision")
        batch_op.create_index(
            "ix_item_open",
            ["municipality_id", "due_at"],
            unique=False,
            postgresql_include=["assignee_id", "sector_id"],
            postgresql_where=sa.text(open_sql),
            sqlite_where=sa.text(open_sql),
        )
        batch_op.create_index(
            "ix_item_decision",
            ["municipality_id", "registered_at"],
            unique=False,
            postgresql_where=sa.text(_decision(open_sql)),
            sqlite_where=sa.text(_decision(open_sql)),
        )


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        # Committed on their own: the rebuilt indexes below already name the new states.
        with op.get_context().autocommit_block():
            for enum, value in NEW_VALUES:
                op.execute(f"ALTER TYPE {enum} ADD VALUE IF NOT EXISTS '{value}'")
    op.create_table(
        "competentbody",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "municipality_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("code", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
        sa.Column("address", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
        sa.Column("email", sqlmodel.sql.sqltypes.AutoString(length=254), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["municipality_id"],
            ["municipality.id"],
            name=op.f("fk_competentbody_municipality_id_municipality"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_competentbody")),
        sa.UniqueConstraint(
            "municipality_id", "code", name=op.f("uq_competentbody_municipality_id")
        ),
    )
    op.create_index(
        op.f("ix_competentbody_municipality_id"), "competentbody", ["municipality_id"], unique=False
    )
    op.create_table(
        "appeal",
        sa.Column("item_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("reply_by", sa.Enum("email", "post", name="replyby"), nullable=True),
        sa.Column(
            "complained_body_id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            nullable=True,
        ),
        sa.Column(
            "complained_official", sqlmodel.sql.sqltypes.AutoString(length=300), nullable=True
        ),
        sa.Column(
            "outcome",
            sa.Enum(
                "answered",
                "forwarded",
                "anonymous",
                "unclear",
                "abusive",
                "stopped",
                name="appealoutcome",
            ),
            nullable=True,
        ),
        sa.Column(
            "forwarded_body_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.Column("forwarded_at", models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("registered_late_days", sa.Integer(), nullable=True),
        sa.Column("raw_due_at", models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column(
            "previous_item_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.Column(
            "signed_by_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.Column("signed_at", models.base.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["complained_body_id"],
            ["competentbody.id"],
            name=op.f("fk_appeal_complained_body_id_competentbody"),
        ),
        sa.ForeignKeyConstraint(
            ["forwarded_body_id"],
            ["competentbody.id"],
            name=op.f("fk_appeal_forwarded_body_id_competentbody"),
        ),
        sa.ForeignKeyConstraint(["item_id"], ["item.id"], name=op.f("fk_appeal_item_id_item")),
        sa.ForeignKeyConstraint(
            ["previous_item_id"], ["item.id"], name=op.f("fk_appeal_previous_item_id_item")
        ),
        sa.ForeignKeyConstraint(
            ["signed_by_id"], ["staff.id"], name=op.f("fk_appeal_signed_by_id_staff")
        ),
        sa.PrimaryKeyConstraint("item_id", name=op.f("pk_appeal")),
    )
    op.create_table(
        "letter",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "municipality_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("item_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("body_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("delivery", sa.Enum("email", "post", name="letterdelivery"), nullable=False),
        sa.Column("number", sqlmodel.sql.sqltypes.AutoString(length=48), nullable=False),
        sa.Column("addressee", sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
        sa.Column("address", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
        sa.Column("subject", sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column(
            "status",
            sa.Enum("pending", "sent", "bounced", "to_post", "posted", name="letterstatus"),
            nullable=False,
        ),
        sa.Column("created_at", models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("sent_at", models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("posted_at", models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("error", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
        sa.ForeignKeyConstraint(
            ["body_id"], ["competentbody.id"], name=op.f("fk_letter_body_id_competentbody")
        ),
        sa.ForeignKeyConstraint(["item_id"], ["item.id"], name=op.f("fk_letter_item_id_item")),
        sa.ForeignKeyConstraint(
            ["municipality_id"],
            ["municipality.id"],
            name=op.f("fk_letter_municipality_id_municipality"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_letter")),
    )
    op.create_index(op.f("ix_letter_item_id"), "letter", ["item_id"], unique=False)
    op.create_index("ix_letter_muni_status", "letter", ["municipality_id", "status"], unique=False)
    with op.batch_alter_table("citizen", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("email", sqlmodel.sql.sqltypes.AutoString(length=254), nullable=True)
        )
    with op.batch_alter_table("item", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("received_at", models.base.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(
            sa.Column("register_due_at", models.base.UTCDateTime(timezone=True), nullable=True)
        )
    with op.batch_alter_table("municipality", schema=None) as batch_op:
        batch_op.add_column(sa.Column("letterhead", sa.JSON(), server_default="{}", nullable=False))
    with op.batch_alter_table("staff", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("signs", sa.Boolean(), server_default="false", nullable=False)
        )
    _open_indexes(NEW_OPEN)
    op.execute("UPDATE item SET received_at = registered_at WHERE kind = 'appeal_59fz'")
    cast = "::replyby" if op.get_bind().dialect.name == "postgresql" else ""
    op.execute(
        "INSERT INTO appeal (item_id, reply_by) SELECT item.id, CASE WHEN citizen.address IS NULL "
        f"THEN NULL ELSE 'post'{cast} END FROM item "
        "LEFT JOIN citizen ON citizen.id = item.citizen_id WHERE item.kind = 'appeal_59fz'"
    )


def downgrade() -> None:
    _open_indexes(OLD_OPEN)
    with op.batch_alter_table("staff", schema=None) as batch_op:
        batch_op.drop_column("signs")
    with op.batch_alter_table("municipality", schema=None) as batch_op:
        batch_op.drop_column("letterhead")
    with op.batch_alter_table("item", schema=None) as batch_op:
        batch_op.drop_column("register_due_at")
        batch_op.drop_column("received_at")
    with op.batch_alter_table("citizen", schema=None) as batch_op:
        batch_op.drop_column("email")
    op.drop_index("ix_letter_muni_status", table_name="letter")
    op.drop_index(op.f("ix_letter_item_id"), table_name="letter")
    op.drop_table("letter")
    op.drop_table("appeal")
    op.drop_index(op.f("ix_competentbody_municipality_id"), table_name="competentbody")
    op.drop_table("competentbody")
    for name in ("letterstatus", "letterdelivery", "appealoutcome", "replyby"):
        sa.Enum(name=name).drop(op.get_bind(), checkfirst=True)
