"""Ideas brought in from a file (the author's name they gave, "import" in the history), and
the organiser's own questions on the idea form with their answers (idea sheets).

Revision ID: 0013
Revises: 0011 (the merger re-chains it after 0012)
"""

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("ideas", schema=None) as batch_op:
        batch_op.add_column(sa.Column("imported_author", sa.String(length=80), nullable=True))
    with op.batch_alter_table("moderation_records", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_moderation_records_action_known"), type_="check")
        batch_op.create_check_constraint(
            "action_known", "action in ('hide', 'restore', 'merge', 'import')"
        )


def downgrade():
    op.execute("DELETE FROM moderation_records WHERE action = 'import'")
    with op.batch_alter_table("moderation_records", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_moderation_records_action_known"), type_="check")
        batch_op.create_check_constraint("action_known", "action in ('hide', 'restore', 'merge')")
    with op.batch_alter_table("ideas", schema=None) as batch_op:
        batch_op.drop_column("imported_author")
