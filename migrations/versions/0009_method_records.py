"""The method's records: reasons for hides and merges, phase times, the staged reveal.

Revision ID: 0009
Revises: 0006
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "moderation_records",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("challenge_id", sa.Integer(), nullable=False),
        sa.Column("idea_id", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(length=10), nullable=False),
        sa.Column("reason", sa.String(length=20), nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("target_idea_id", sa.Integer(), nullable=True),
        sa.Column("dots_moved", sa.Integer(), nullable=False),
        sa.Column("dots_refunded", sa.Integer(), nullable=False),
        sa.Column("staff_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint(
            "action in ('hide', 'restore', 'merge')",
            name=op.f("ck_moderation_records_action_known"),
        ),
        sa.CheckConstraint(
            "action <> 'hide' or reason in "
            "('duplicate', 'off_topic', 'charter', 'author_request', 'other')",
            name=op.f("ck_moderation_records_hide_has_reason"),
        ),
        sa.ForeignKeyConstraint(
            ["challenge_id"],
            ["challenges.id"],
            name=op.f("fk_moderation_records_challenge_id_challenges"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["idea_id"],
            ["ideas.id"],
            name=op.f("fk_moderation_records_idea_id_ideas"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["target_idea_id"],
            ["ideas.id"],
            name=op.f("fk_moderation_records_target_idea_id_ideas"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["staff_id"],
            ["staff_users.id"],
            name=op.f("fk_moderation_records_staff_id_staff_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_moderation_records")),
    )
    with op.batch_alter_table("moderation_records", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_moderation_records_challenge_id"), ["challenge_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_moderation_records_idea_id"), ["idea_id"], unique=False
        )

    op.create_table(
        "phase_changes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("challenge_id", sa.Integer(), nullable=False),
        sa.Column("previous", sa.String(length=12), nullable=True),
        sa.Column("phase", sa.String(length=12), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["challenge_id"],
            ["challenges.id"],
            name=op.f("fk_phase_changes_challenge_id_challenges"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_phase_changes")),
    )
    with op.batch_alter_table("phase_changes", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_phase_changes_challenge_id"), ["challenge_id"], unique=False
        )
    # Before this revision only the last change was kept: it becomes each challenge's first
    # known change (the earlier ones are lost, and the cahier says "not recorded").
    op.execute(
        "INSERT INTO phase_changes (challenge_id, previous, phase, at) "
        "SELECT id, NULL, phase, phase_changed_at FROM challenges WHERE phase <> 'draft'"
    )

    with op.batch_alter_table("challenges", schema=None) as batch_op:
        batch_op.add_column(sa.Column("reveal_shown", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("reveal_every", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("reveal_since", sa.DateTime(), nullable=True))
        batch_op.create_check_constraint("reveal_shown_non_negative", "reveal_shown >= 0")
        batch_op.create_check_constraint("reveal_every_positive", "reveal_every >= 1")


def downgrade():
    with op.batch_alter_table("challenges", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("ck_challenges_reveal_every_positive"), type_="check"
        )
        batch_op.drop_constraint(
            batch_op.f("ck_challenges_reveal_shown_non_negative"), type_="check"
        )
        batch_op.drop_column("reveal_since")
        batch_op.drop_column("reveal_every")
        batch_op.drop_column("reveal_shown")
    with op.batch_alter_table("phase_changes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_phase_changes_challenge_id"))
    op.drop_table("phase_changes")
    with op.batch_alter_table("moderation_records", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_moderation_records_idea_id"))
        batch_op.drop_index(batch_op.f("ix_moderation_records_challenge_id"))
    op.drop_table("moderation_records")
