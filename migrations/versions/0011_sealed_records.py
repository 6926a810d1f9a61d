"""Each closing keeps its sealed record: the published log's content for that challenge.

Challenges closed before this revision keep no record; reopening and closing one seals it.

Revision ID: 0011
Revises: 0010
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("ledger_seals", schema=None) as batch_op:
        batch_op.add_column(sa.Column("record", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("record_hash", sa.String(length=64), nullable=True))


def downgrade():
    with op.batch_alter_table("ledger_seals", schema=None) as batch_op:
        batch_op.drop_column("record_hash")
        batch_op.drop_column("record")
