"""When the published service catalogue last changed (Open311 discovery changeset): catalog_change.

Revision ID: 0009_catalog_changed
Revises: 0008_user_sessions
Create Date: 2026-12-02 01:50:00

"""
import datetime as dt

from alembic import op
import sqlalchemy as sa

import fieldops.db


# revision identifiers, used by Alembic.
revision = '0009_catalog_changed'
down_revision = '0008_user_sessions'
branch_labels = None
depends_on = None


def upgrade() -> None:
    table = op.create_table('catalog_change',
    sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('changed_at', fieldops.db.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_catalog_change'))
    )
    # An existing catalogue's history is unknown: it counts as changed when the upgrade ran.
    has_catalogue = op.get_bind().execute(sa.text('SELECT 1 FROM service_type LIMIT 1')).first() is not None
    if has_catalogue:
        op.bulk_insert(table, [{'id': 1, 'changed_at': dt.datetime.now(dt.UTC).replace(microsecond=0)}])


def downgrade() -> None:
    op.drop_table('catalog_change')
