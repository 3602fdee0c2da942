"""The migrations, not create_all, define the schema: their head must match the models."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from fieldops.db import Base


def test_migration_head_matches_models(app) -> None:  # type: ignore[no-untyped-def]
    from fieldops.extensions import db

    with db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        diff = compare_metadata(context, Base.metadata)
    assert diff == [], f"models and migrations differ; run `fieldops db migrate`: {diff}"


def test_constraints_are_named_by_convention(app) -> None:  # type: ignore[no-untyped-def]
    import sqlalchemy as sa

    from fieldops.extensions import db

    inspector = sa.inspect(db.engine)
    fks = inspector.get_foreign_keys("work_order")
    assert {fk["name"] for fk in fks} >= {"fk_work_order_request_id_service_request", "fk_work_order_crew_id_crew"}
