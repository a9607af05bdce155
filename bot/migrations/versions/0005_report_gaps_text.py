"""report: the masked words of a search that found nothing, beside its skeleton

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-29 22:00:00

Rows kept before this revision hold only a skeleton, masked less than today (a phone number
written with spaces, a person's name). They are masked again with today's masking and merged
where they now say the same; their skeleton becomes their text, the only wording there is.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    from bot.services.gaps import masked_words

    with op.batch_alter_table("knowledge_gaps", schema=None) as batch_op:
        batch_op.add_column(sa.Column("text", sa.String(length=200), nullable=True))

    bind = op.get_bind()
    rows = bind.execute(
        sa.text("SELECT id, day, skeleton, language, count FROM knowledge_gaps ORDER BY id")
    ).all()
    kept: dict[tuple[object, str, str], tuple[int, int]] = {}
    for row_id, day, old_skeleton, language, count in rows:
        text, skeleton = masked_words(old_skeleton)
        key = (day, language, text)
        if not text or key in kept:
            if text:
                first_id, total = kept[key]
                kept[key] = (first_id, total + count)
            bind.execute(sa.text("DELETE FROM knowledge_gaps WHERE id = :id"), {"id": row_id})
            continue
        kept[key] = (row_id, count)
        bind.execute(
            sa.text("UPDATE knowledge_gaps SET text = :text, skeleton = :skeleton WHERE id = :id"),
            {"text": text, "skeleton": skeleton, "id": row_id},
        )
    for row_id, total in kept.values():
        bind.execute(
            sa.text("UPDATE knowledge_gaps SET count = :count WHERE id = :id"),
            {"count": total, "id": row_id},
        )

    with op.batch_alter_table("knowledge_gaps", schema=None) as batch_op:
        batch_op.alter_column("text", existing_type=sa.String(length=200), nullable=False)
        batch_op.drop_constraint("uq_knowledge_gaps_day", type_="unique")
        batch_op.create_unique_constraint(
            batch_op.f("uq_knowledge_gaps_day"), ["day", "language", "text"]
        )


def downgrade() -> None:
    # Wordings of one skeleton merge back into one row per day, skeleton and language.
    bind = op.get_bind()
    rows = bind.execute(
        sa.text("SELECT id, day, skeleton, language, count FROM knowledge_gaps ORDER BY id")
    ).all()
    kept: dict[tuple[object, str, str], tuple[int, int]] = {}
    for row_id, day, skeleton, language, count in rows:
        key = (day, skeleton, language)
        if key in kept:
            first_id, total = kept[key]
            kept[key] = (first_id, total + count)
            bind.execute(sa.text("DELETE FROM knowledge_gaps WHERE id = :id"), {"id": row_id})
        else:
            kept[key] = (row_id, count)
    for row_id, total in kept.values():
        bind.execute(
            sa.text("UPDATE knowledge_gaps SET count = :count WHERE id = :id"),
            {"count": total, "id": row_id},
        )
    with op.batch_alter_table("knowledge_gaps", schema=None) as batch_op:
        batch_op.drop_constraint("uq_knowledge_gaps_day", type_="unique")
        batch_op.create_unique_constraint(
            batch_op.f("uq_knowledge_gaps_day"), ["day", "skeleton", "language"]
        )
        batch_op.drop_column("text")
