"""Printed ballot sheets counted at the tables: the sheets, their entries, the photo policy,
and the ledger's reason "paper" for their dots.

Revision ID: 0012
Revises: 0011
"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

OLD_REASONS = "reason in ('vote', 'hide', 'restore', 'merge')"
NEW_REASONS = "reason in ('vote', 'hide', 'restore', 'merge', 'paper')"


def upgrade():
    op.create_table(
        "paper_sheets",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("challenge_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("participant_id", sa.Integer(), nullable=False),
        sa.Column("people", sa.Integer(), nullable=False),
        sa.Column("category", sa.String(length=80), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint("number >= 1", name=op.f("ck_paper_sheets_number_positive")),
        sa.CheckConstraint("people >= 1", name=op.f("ck_paper_sheets_people_positive")),
        sa.ForeignKeyConstraint(
            ["challenge_id"],
            ["challenges.id"],
            name=op.f("fk_paper_sheets_challenge_id_challenges"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["participant_id"],
            ["participants.id"],
            name=op.f("fk_paper_sheets_participant_id_participants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_paper_sheets")),
        sa.UniqueConstraint(
            "challenge_id", "number", name=op.f("uq_paper_sheets_challenge_id_number")
        ),
        sa.UniqueConstraint("participant_id", name=op.f("uq_paper_sheets_participant_id")),
    )
    op.create_index(
        op.f("ix_paper_sheets_challenge_id"), "paper_sheets", ["challenge_id"], unique=False
    )
    op.create_table(
        "paper_entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("sheet_id", sa.Integer(), nullable=False),
        sa.Column("people", sa.Integer(), nullable=False),
        sa.Column("category", sa.String(length=80), nullable=True),
        sa.Column("dots", sa.JSON(), nullable=False),
        sa.Column("staff_id", sa.Integer(), nullable=True),
        sa.Column("staff_role", sa.String(length=20), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("photo", sa.LargeBinary(), nullable=True),
        sa.Column("photo_type", sa.String(length=20), nullable=True),
        sa.ForeignKeyConstraint(
            ["sheet_id"],
            ["paper_sheets.id"],
            name=op.f("fk_paper_entries_sheet_id_paper_sheets"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["staff_id"],
            ["staff_users.id"],
            name=op.f("fk_paper_entries_staff_id_staff_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_paper_entries")),
    )
    op.create_index(
        op.f("ix_paper_entries_sheet_id"), "paper_entries", ["sheet_id"], unique=False
    )
    op.create_table(
        "paper_policies",
        sa.Column("forum_id", sa.Integer(), nullable=False),
        sa.Column("publish_photos", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["forum_id"],
            ["forums.id"],
            name=op.f("fk_paper_policies_forum_id_forums"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("forum_id", name=op.f("pk_paper_policies")),
    )
    with op.batch_alter_table("ledger", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_ledger_reason_known"), type_="check")
        batch_op.create_check_constraint(op.f("ck_ledger_reason_known"), NEW_REASONS)


def downgrade():
    op.execute("DELETE FROM ledger WHERE reason = 'paper'")
    with op.batch_alter_table("ledger", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_ledger_reason_known"), type_="check")
        batch_op.create_check_constraint(op.f("ck_ledger_reason_known"), OLD_REASONS)
    op.drop_table("paper_policies")
    op.drop_index(op.f("ix_paper_entries_sheet_id"), table_name="paper_entries")
    op.drop_table("paper_entries")
    op.drop_index(op.f("ix_paper_sheets_challenge_id"), table_name="paper_sheets")
    op.drop_table("paper_sheets")
