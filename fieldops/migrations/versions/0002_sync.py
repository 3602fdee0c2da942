"""sync: idempotency keys, sync conflicts, staged photos (photo.request_id nullable)

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 12:07:45.289142

"""
from alembic import op
import sqlalchemy as sa

import fieldops.db


# revision identifiers, used by Alembic.
revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('idempotency_key',
    sa.Column('key', sa.String(length=36), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('request_fingerprint', sa.String(length=64), nullable=False),
    sa.Column('status_code', sa.Integer(), nullable=False),
    sa.Column('response_json', sa.Text(), nullable=False),
    sa.Column('created_at', fieldops.db.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_idempotency_key_user_id_user_account')),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_idempotency_key'))
    )
    with op.batch_alter_table('idempotency_key', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_idempotency_key_user_id'), ['user_id'], unique=False)

    op.create_table('sync_conflict',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=36), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('work_order_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('payload_json', sa.Text(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('created_at', fieldops.db.UTCDateTime(), nullable=False),
    sa.Column('resolved_at', fieldops.db.UTCDateTime(), nullable=True),
    sa.Column('resolved_by_id', sa.Integer(), nullable=True),
    sa.Column('resolution_note', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['resolved_by_id'], ['user_account.id'], name=op.f('fk_sync_conflict_resolved_by_id_user_account')),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_sync_conflict_user_id_user_account')),
    sa.ForeignKeyConstraint(['work_order_id'], ['work_order.id'], name=op.f('fk_sync_conflict_work_order_id_work_order')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sync_conflict')),
    sa.UniqueConstraint('key', name=op.f('uq_sync_conflict_key'))
    )
    with op.batch_alter_table('sync_conflict', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sync_conflict_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_sync_conflict_user_id'), ['user_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_sync_conflict_work_order_id'), ['work_order_id'], unique=False)

    with op.batch_alter_table('photo', schema=None) as batch_op:
        batch_op.alter_column('request_id',
               existing_type=sa.INTEGER(),
               nullable=True)


def downgrade() -> None:
    # Staged photos have no request and cannot survive NOT NULL; their files stay in storage.
    op.execute("DELETE FROM photo WHERE request_id IS NULL")
    with op.batch_alter_table('photo', schema=None) as batch_op:
        batch_op.alter_column('request_id',
               existing_type=sa.INTEGER(),
               nullable=False)

    with op.batch_alter_table('sync_conflict', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sync_conflict_work_order_id'))
        batch_op.drop_index(batch_op.f('ix_sync_conflict_user_id'))
        batch_op.drop_index(batch_op.f('ix_sync_conflict_created_at'))

    op.drop_table('sync_conflict')
    with op.batch_alter_table('idempotency_key', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_idempotency_key_user_id'))

    op.drop_table('idempotency_key')
