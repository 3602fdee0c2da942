"""Open311 API keys: a per-key rate-limit window counted in the database.

Revision ID: 0004_open311
Revises: 0003
Create Date: 2026-11-24 10:00:00

"""
from alembic import op
import sqlalchemy as sa

import fieldops.db


# revision identifiers, used by Alembic.
revision = '0004_open311'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('api_key', schema=None) as batch_op:
        batch_op.add_column(sa.Column('rate_window_start', fieldops.db.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('rate_window_count', sa.Integer(), nullable=False, server_default='0'))


def downgrade() -> None:
    with op.batch_alter_table('api_key', schema=None) as batch_op:
        batch_op.drop_column('rate_window_count')
        batch_op.drop_column('rate_window_start')
