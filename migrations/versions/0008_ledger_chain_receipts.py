"""The ledger becomes hash-chained (sealed when a challenge closes), with receipts for voters.

Revision ID: 0008
Revises: 0006
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("ledger", schema=None) as batch_op:
        batch_op.add_column(sa.Column("seq", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("prev_hash", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("entry_hash", sa.String(length=64), nullable=True))
        batch_op.create_unique_constraint(
            batch_op.f("uq_ledger_challenge_id_seq"), ["challenge_id", "seq"]
        )
    op.create_table(
        "ledger_seals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("challenge_id", sa.Integer(), nullable=False),
        sa.Column("entries", sa.Integer(), nullable=False),
        sa.Column("head", sa.String(length=64), nullable=False),
        sa.Column("sealed_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["challenge_id"],
            ["challenges.id"],
            name=op.f("fk_ledger_seals_challenge_id_challenges"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ledger_seals")),
    )
    with op.batch_alter_table("ledger_seals", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_ledger_seals_challenge_id"), ["challenge_id"], unique=False
        )
    op.create_table(
        "receipts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("challenge_id", sa.Integer(), nullable=False),
        sa.Column("participant_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=16), nullable=False),
        sa.ForeignKeyConstraint(
            ["challenge_id"],
            ["challenges.id"],
            name=op.f("fk_receipts_challenge_id_challenges"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["participant_id"],
            ["participants.id"],
            name=op.f("fk_receipts_participant_id_participants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_receipts")),
        sa.UniqueConstraint(
            "challenge_id", "participant_id", name=op.f("uq_receipts_challenge_id_participant_id")
        ),
        sa.UniqueConstraint("code", name=op.f("uq_receipts_code")),
    )
    with op.batch_alter_table("receipts", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_receipts_participant_id"), ["participant_id"], unique=False
        )


def downgrade():
    with op.batch_alter_table("receipts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_receipts_participant_id"))
    op.drop_table("receipts")
    with op.batch_alter_table("ledger_seals", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ledger_seals_challenge_id"))
    op.drop_table("ledger_seals")
    with op.batch_alter_table("ledger", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_ledger_challenge_id_seq"), type_="unique")
        batch_op.drop_column("entry_hash")
        batch_op.drop_column("prev_hash")
        batch_op.drop_column("seq")
