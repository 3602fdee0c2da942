"""A city's own translations of its service catalogue: service_type.translations, service_attribute.translations.

{lang: {field: text}} per row (fieldops/catalog/texts.py); existing rows start with none ({}), so they show the
.po catalogues' translations or English, as before.

Revision ID: 0010_catalog_translations
Revises: 0009_catalog_changed
Create Date: 2026-12-02 04:40:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0010_catalog_translations'
down_revision = '0009_catalog_changed'
branch_labels = None
depends_on = None

TABLES = ('service_type', 'service_attribute')


def upgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            # A constant default: SQLite adds the column in place, without copying the table.
            batch_op.add_column(sa.Column('translations', sa.JSON(), nullable=False, server_default='{}'))


def downgrade() -> None:
    for table in TABLES:
        if op.get_bind().dialect.name == 'sqlite':
            # Batch mode would copy and drop the table, which other tables' foreign keys refuse; SQLite 3.35+
            # drops a plain column in place.
            op.execute(f'ALTER TABLE {table} DROP COLUMN translations')
        else:
            op.drop_column(table, 'translations')
