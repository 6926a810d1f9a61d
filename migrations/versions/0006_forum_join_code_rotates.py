"""A forum may rotate its join code on the screen, so that only the room can join.

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("forums", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("join_code_rotates", sa.Boolean(), server_default=sa.false(), nullable=False)
        )


def downgrade():
    with op.batch_alter_table("forums", schema=None) as batch_op:
        batch_op.drop_column("join_code_rotates")
