"""Run Alembic migrations programmatically (``rtcc db upgrade``), for SQLite and PostgreSQL alike."""

from __future__ import annotations

from importlib.resources import files

from alembic import command
from alembic.config import Config

from rtcc.core.db import ensure_sqlite_dir


def alembic_config(url: str) -> Config:
    """An Alembic config pointing at the packaged migration scripts and the given database."""
    cfg = Config()
    cfg.set_main_option("script_location", str(files("rtcc") / "migrations"))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    cfg.set_main_option("file_template", "%%(year)d-%%(month).2d-%%(day).2d_%%(slug)s")
    return cfg


def upgrade(url: str, revision: str = "head") -> None:
    """Bring the database at ``url`` up to ``revision``."""
    ensure_sqlite_dir(url)
    command.upgrade(alembic_config(url), revision)


def current(url: str) -> str | None:
    """The revision the database is at (None when never migrated)."""
    from alembic.runtime.migration import MigrationContext
    from sqlalchemy import create_engine
    from sqlalchemy.pool import NullPool

    engine = create_engine(url, poolclass=NullPool)
    try:
        with engine.connect() as conn:
            rev: str | None = MigrationContext.configure(conn).get_current_revision()
            return rev
    finally:
        engine.dispose()
