"""Run Alembic migrations programmatically (``rtcc db upgrade``), for SQLite and PostgreSQL alike."""

from __future__ import annotations

import re
from importlib.resources import files
from typing import Any

from alembic import command
from alembic.config import Config

from rtcc.core.db import ensure_sqlite_dir

#: Tables partitioned on PostgreSQL (migration 0031): their partitions are not model tables, and foreign keys to them
#: are kept by triggers there (a partitioned table's key includes the partition key).
PARTITIONED_TABLES = ("alpr_reads",)
_PARTITION = re.compile(r"^(?P<parent>[a-z_]+)_(p\d{8}|default)$")


def compare_filters(dialect: str) -> dict[str, Any]:
    """``include_name``/``include_object`` options for comparing the database with the models (autogenerate and the
    migrations test): on PostgreSQL, skip the partitions of partitioned tables and the foreign keys to them."""

    def include_name(name: str | None, type_: str, parent_names: Any) -> bool:
        if type_ == "table" and name:
            m = _PARTITION.match(name)
            return not (m and m.group("parent") in PARTITIONED_TABLES)
        return True

    def include_object(obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any) -> bool:
        if dialect == "postgresql" and type_ == "foreign_key_constraint":
            return str(obj.referred_table.name) not in PARTITIONED_TABLES
        return True

    return {"include_name": include_name, "include_object": include_object}


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
