"""Public and private text of a request: service_request.public_description, service_type.private.

Existing requests get the same default as new ones: the resident's text for the public channels (web, app,
Open311), nothing for staff, phone, outreach, import and follow-on requests (their text is staff-only).

Revision ID: 0007_public_text
Revises: 0006_login_throttle
Create Date: 2026-12-01 22:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0007_public_text'
down_revision = '0006_login_throttle'
branch_labels = None
depends_on = None

# Kept here, not imported: a migration must keep meaning what it meant when written.
PUBLIC_CHANNELS = ('web', 'app', 'open311')


def upgrade() -> None:
    with op.batch_alter_table('service_request', schema=None) as batch_op:
        batch_op.add_column(sa.Column('public_description', sa.Text(), nullable=False, server_default=''))
    with op.batch_alter_table('service_type', schema=None) as batch_op:
        batch_op.add_column(sa.Column('private', sa.Boolean(), nullable=False, server_default='0'))  # a constant: SQLite adds it in place

    sr = sa.table('service_request', sa.column('channel', sa.String), sa.column('parent_id', sa.Integer),
                  sa.column('description', sa.Text), sa.column('public_description', sa.Text))
    op.execute(
        sr.update()
        .where(sr.c.channel.in_(PUBLIC_CHANNELS), sr.c.parent_id.is_(None))
        .values(public_description=sr.c.description)
    )


def downgrade() -> None:
    if op.get_bind().dialect.name == 'sqlite':
        # Batch mode would copy and drop service_type, which other tables' foreign keys refuse; SQLite 3.35+
        # drops a plain column in place.
        op.execute('ALTER TABLE service_type DROP COLUMN private')
        op.execute('ALTER TABLE service_request DROP COLUMN public_description')
        return
    op.drop_column('service_type', 'private')
    op.drop_column('service_request', 'public_description')
