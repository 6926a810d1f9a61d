"""A forum's address may lead strangers on to its join page ("anyone with the link may join").

Off by default, and off for every forum that exists: the address asks for the code.

Revision ID: 0010
Revises: 0009
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("forums", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("open_link", sa.Boolean(), server_default=sa.false(), nullable=False)
        )


def downgrade():
    with op.batch_alter_table("forums", schema=None) as batch_op:
        batch_op.drop_column("open_link")
