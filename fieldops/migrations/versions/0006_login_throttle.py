"""Sign-in throttling: failed sign-ins counted per (username, address) and per address.

Revision ID: 0006_login_throttle
Revises: 0005
Create Date: 2026-11-25 09:00:00

"""
from alembic import op
import sqlalchemy as sa

import fieldops.db


# revision identifiers, used by Alembic.
revision = '0006_login_throttle'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('login_throttle',
    sa.Column('scope', sa.Enum('user_ip', 'ip', name='scope', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('ip', sa.String(length=64), nullable=False),
    sa.Column('username', sa.String(length=80), nullable=False),
    sa.Column('failures', sa.Integer(), nullable=False),
    sa.Column('paused_until', fieldops.db.UTCDateTime(), nullable=True),
    sa.Column('expires_at', fieldops.db.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('scope', 'ip', 'username', name=op.f('pk_login_throttle'))
    )
    with op.batch_alter_table('login_throttle', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_login_throttle_expires_at'), ['expires_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('login_throttle', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_login_throttle_expires_at'))

    op.drop_table('login_throttle')
