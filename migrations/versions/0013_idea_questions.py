"""Ideas brought in from a file (the author's name they gave, "import" in the history), and
the organiser's own questions on the idea form with their answers (idea sheets).

Revision ID: 0013
Revises: 0012
"""

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "idea_questions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("forum_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("label", sa.String(length=120), nullable=False),
        sa.Column("required", sa.Boolean(), nullable=False),
        sa.Column("max_length", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint(
            "max_length >= 1 and max_length <= 1000",
            name=op.f("ck_idea_questions_max_length_range"),
        ),
        sa.ForeignKeyConstraint(
            ["forum_id"],
            ["forums.id"],
            name=op.f("fk_idea_questions_forum_id_forums"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_idea_questions")),
    )
    with op.batch_alter_table("idea_questions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_idea_questions_forum_id"), ["forum_id"], unique=False)
    op.create_table(
        "idea_answers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("idea_id", sa.Integer(), nullable=False),
        sa.Column("question_id", sa.Integer(), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.Column("original_value", sa.Text(), nullable=True),
        sa.Column("edited_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["idea_id"], ["ideas.id"], name=op.f("fk_idea_answers_idea_id_ideas"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["question_id"],
            ["idea_questions.id"],
            name=op.f("fk_idea_answers_question_id_idea_questions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_idea_answers")),
        sa.UniqueConstraint("idea_id", "question_id", name=op.f("uq_idea_answers_idea_id_question_id")),
    )
    with op.batch_alter_table("idea_answers", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_idea_answers_idea_id"), ["idea_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_idea_answers_question_id"), ["question_id"], unique=False
        )
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
    op.drop_table("idea_answers")
    op.drop_table("idea_questions")
