"""One migration history for both databases, and it matches the models exactly."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from rtcc.core.db import Base, Database
from rtcc.core.migrate import compare_filters
from rtcc.models_registry import import_all_models


def test_migrations_match_models(db: Database) -> None:
    import_all_models()
    with db.engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"compare_type": False, **compare_filters(db.dialect)})
        diff = compare_metadata(ctx, Base.metadata)
    assert diff == [], f"models and migrations differ; generate a migration: {diff}"
