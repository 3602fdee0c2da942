"""Merge the Open311 and performance branches of the history.

Revision ID: 0005
Revises: 0004_open311, 0004_performance
Create Date: 2026-11-23 15:05:00

"""

# revision identifiers, used by Alembic.
revision = "0005"
down_revision = ("0004_open311", "0004_performance")
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
