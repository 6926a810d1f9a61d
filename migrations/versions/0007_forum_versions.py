"""A version counter per forum, bumped by every change the room sees (polls, screen, cards);
the screen link's hash indexed (the projector's poll reads the forum by it).

Revision ID: 0007
Revises: 0006
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "forum_versions",
        sa.Column("forum_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.ForeignKeyConstraint(
            ["forum_id"],
            ["forums.id"],
            name=op.f("fk_forum_versions_forum_id_forums"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("forum_id", name=op.f("pk_forum_versions")),
    )
    # The projector's poll finds its forum by the link's hash.
    with op.batch_alter_table("forums", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_forums_screen_token_hash"), ["screen_token_hash"], unique=False
        )
    op.execute("INSERT INTO forum_versions (forum_id, version) SELECT id, 1 FROM forums")


def downgrade():
    with op.batch_alter_table("forums", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_forums_screen_token_hash"))
    op.drop_table("forum_versions")
