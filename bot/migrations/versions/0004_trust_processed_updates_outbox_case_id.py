"""trust: processed updates, outbox case id

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-28 05:36:05.211247
"""

import json
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "processed_updates",
        sa.Column("update_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("processed_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("update_id", name=op.f("pk_processed_updates")),
    )
    with op.batch_alter_table("processed_updates", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_processed_updates_processed_at"), ["processed_at"], unique=False
        )

    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.add_column(sa.Column("case_id", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_outbox_case_id"), ["case_id"], unique=False)

    # Fill the new column from the payloads already written.
    bind = op.get_bind()
    for row_id, payload in bind.execute(sa.text("SELECT id, payload FROM outbox")).all():
        data = json.loads(payload) if isinstance(payload, str) else (payload or {})
        if isinstance(data.get("case_id"), int):
            bind.execute(
                sa.text("UPDATE outbox SET case_id = :case_id WHERE id = :id"),
                {"case_id": data["case_id"], "id": row_id},
            )


def downgrade() -> None:
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_outbox_case_id"))
        batch_op.drop_column("case_id")

    with op.batch_alter_table("processed_updates", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_processed_updates_processed_at"))

    op.drop_table("processed_updates")
