"""Each forum's version counter in slots: a row per (forum, slot), the version their sum.

Every vote bumped the one row of its forum, so every vote of the room waited for the previous
one's commit (its row lock is held until the WAL is on disk): on PostgreSQL the room voted one
transaction at a time. A writer now bumps the slot of its own database connection
(``forums.versions``); the sum still grows with every committed change, and a reader sees it in
one statement.

Revision ID: 0014
Revises: 0013
"""

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("forum_versions", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("slot", sa.SmallInteger(), server_default="0", nullable=False)
        )
        batch_op.drop_constraint("pk_forum_versions", type_="primary")
        batch_op.create_primary_key("pk_forum_versions", ["forum_id", "slot"])


def downgrade():
    # The slots of a forum add up into slot 0, which becomes the forum's only row again.
    op.execute(
        "UPDATE forum_versions SET version = (SELECT sum(v.version) FROM forum_versions v"
        " WHERE v.forum_id = forum_versions.forum_id) WHERE slot = 0"
    )
    op.execute(
        "INSERT INTO forum_versions (forum_id, slot, version)"
        " SELECT forum_id, 0, sum(version) FROM forum_versions f WHERE NOT EXISTS"
        " (SELECT 1 FROM forum_versions z WHERE z.forum_id = f.forum_id AND z.slot = 0)"
        " GROUP BY forum_id"
    )
    op.execute("DELETE FROM forum_versions WHERE slot <> 0")
    with op.batch_alter_table("forum_versions", schema=None) as batch_op:
        batch_op.drop_constraint("pk_forum_versions", type_="primary")
        batch_op.create_primary_key("pk_forum_versions", ["forum_id"])
        batch_op.drop_column("slot")
