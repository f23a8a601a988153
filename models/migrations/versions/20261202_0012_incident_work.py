"""Incident work: the operator's decisions on candidates, and answers published on the wall

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-02 05:18:51

`socialpost` learns who accepted or dismissed it (or that the score did) and indexes its
incident; `socialmonitor` the automatic-acceptance score and whether answers are published;
`socialreply` is the wall-side outbox: one row per answer to publish under a post.
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import models.base

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    big = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
    op.create_table(
        "socialreply",
        sa.Column("id", big, nullable=False),
        sa.Column("municipality_id", big, nullable=False),
        sa.Column("item_id", big, nullable=False),
        sa.Column("answer_version", sa.Integer(), nullable=False),
        sa.Column("owner_id", sa.BigInteger(), nullable=False),
        sa.Column("post_id", sa.BigInteger(), nullable=False),
        sa.Column("reply_to_comment", sa.BigInteger(), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column(
            "status",
            sa.Enum("awaiting", "approved", "sent", "failed", "declined", name="replystatus"),
            nullable=False,
        ),
        sa.Column("guid", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("error", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
        sa.Column("decided_by_id", big, nullable=True),
        sa.Column("comment_id", sa.BigInteger(), nullable=True),
        sa.Column("created_at", models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("sent_at", models.base.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["decided_by_id"], ["staff.id"], name=op.f("fk_socialreply_decided_by_id_staff")
        ),
        sa.ForeignKeyConstraint(["item_id"], ["item.id"], name=op.f("fk_socialreply_item_id_item")),
        sa.ForeignKeyConstraint(
            ["municipality_id"],
            ["municipality.id"],
            name=op.f("fk_socialreply_municipality_id_municipality"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_socialreply")),
        sa.UniqueConstraint("guid", name=op.f("uq_socialreply_guid")),
        sa.UniqueConstraint("item_id", "answer_version", name=op.f("uq_socialreply_item_id")),
    )
    op.create_index(
        op.f("ix_socialreply_municipality_id"), "socialreply", ["municipality_id"], unique=False
    )
    op.create_index(op.f("ix_socialreply_status"), "socialreply", ["status"], unique=False)
    publish = sa.Enum("off", "approve", "auto", name="publish")
    publish.create(op.get_bind(), checkfirst=True)
    with op.batch_alter_table("socialmonitor") as batch:
        batch.add_column(sa.Column("accept_above", sa.Float(), nullable=True))
        batch.add_column(sa.Column("publish", publish, server_default="approve", nullable=False))
    with op.batch_alter_table("socialpost") as batch:
        batch.add_column(sa.Column("decided_by_id", big, nullable=True))
        batch.add_column(
            sa.Column("decided_at", models.base.UTCDateTime(timezone=True), nullable=True)
        )
        batch.add_column(sa.Column("auto", sa.Boolean(), server_default="false", nullable=False))
        batch.create_index(op.f("ix_socialpost_item_id"), ["item_id"], unique=False)
        batch.create_foreign_key(
            op.f("fk_socialpost_decided_by_id_staff"), "staff", ["decided_by_id"], ["id"]
        )


def downgrade() -> None:
    with op.batch_alter_table("socialpost") as batch:
        batch.drop_constraint(op.f("fk_socialpost_decided_by_id_staff"), type_="foreignkey")
        batch.drop_index(op.f("ix_socialpost_item_id"))
        batch.drop_column("auto")
        batch.drop_column("decided_at")
        batch.drop_column("decided_by_id")
    with op.batch_alter_table("socialmonitor") as batch:
        batch.drop_column("publish")
        batch.drop_column("accept_above")
    op.drop_index(op.f("ix_socialreply_status"), table_name="socialreply")
    op.drop_index(op.f("ix_socialreply_municipality_id"), table_name="socialreply")
    op.drop_table("socialreply")
    sa.Enum(name="replystatus").drop(op.get_bind(), checkfirst=True)
    sa.Enum(name="publish").drop(op.get_bind(), checkfirst=True)
