"""Covering indexes for the performance view (counts, times to close and backlog read from indexes only).

Revision ID: 0004_performance
Revises: 0003
Create Date: 2026-11-24 12:00:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = "0004_performance"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "ix_service_request_perf_opened", "service_request", ["created_at", "department_id", "service_type_id", "district_id"], unique=False
    )
    op.create_index(
        "ix_service_request_perf_closed",
        "service_request",
        ["closed_at", "created_at", "due_at", "department_id", "service_type_id", "district_id"],
        unique=False,
    )
    op.create_index(
        "ix_service_request_perf_open",
        "service_request",
        ["status", "created_at", "due_at", "department_id", "service_type_id", "district_id", "latitude"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index("ix_service_request_perf_open", table_name="service_request")
    op.drop_index("ix_service_request_perf_closed", table_name="service_request")
    op.drop_index("ix_service_request_perf_opened", table_name="service_request")
