"""Built PDFs of the cahier, kept under the hash of what they show.

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "cahier_files",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("forum_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("pdf", sa.LargeBinary(), nullable=True),
        sa.Column("items", sa.Integer(), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=False),
        sa.Column("finished_at", sa.DateTime(), nullable=True),
        sa.CheckConstraint(
            "status in ('building', 'ready', 'failed')", name=op.f("ck_cahier_files_cahier_status")
        ),
        sa.ForeignKeyConstraint(
            ["forum_id"],
            ["forums.id"],
            name=op.f("fk_cahier_files_forum_id_forums"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cahier_files")),
        sa.UniqueConstraint("forum_id", "key", name=op.f("uq_cahier_files_forum_id_key")),
    )
    with op.batch_alter_table("cahier_files", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_cahier_files_forum_id"), ["forum_id"], unique=False
        )


def downgrade():
    with op.batch_alter_table("cahier_files", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_cahier_files_forum_id"))
    op.drop_table("cahier_files")
