"""How many people a forum expects: the join limit per address follows it.

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("forums", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("expected_participants", sa.Integer(), nullable=False, server_default="200")
        )
        batch_op.create_check_constraint(
            op.f("ck_forums_expected_positive"), "expected_participants >= 1"
        )


def downgrade():
    with op.batch_alter_table("forums", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_forums_expected_positive"), type_="check")
        batch_op.drop_column("expected_participants")
