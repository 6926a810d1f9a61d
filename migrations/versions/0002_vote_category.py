"""The voter's category on each vote, so that closed results cannot move.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("votes", schema=None) as batch_op:
        batch_op.add_column(sa.Column("category", sa.String(length=80), nullable=True))
    # Votes placed before this revision take their voter's current category.
    op.execute(
        "UPDATE votes SET category = "
        "(SELECT participants.category FROM participants WHERE participants.id = votes.participant_id)"
    )


def downgrade():
    with op.batch_alter_table("votes", schema=None) as batch_op:
        batch_op.drop_column("category")
