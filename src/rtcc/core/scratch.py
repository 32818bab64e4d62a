"""A throw-away migrated database for tests and benchmarks: a temp SQLite file, or a fresh database created on the
PostgreSQL server of a given URL and dropped afterwards (so runs never touch each other's data)."""

from __future__ import annotations

import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from rtcc.core.migrate import upgrade


@contextmanager
def scratch_database(url: str | None, *, prefix: str = "rtcc_scratch") -> Iterator[str]:
    """Yield the URL of an empty, migrated database: SQLite when ``url`` is None or SQLite, else a new database
    on the server of ``url`` (named ``<prefix>_<random>``, dropped on exit)."""
    if not url or url.startswith("sqlite"):
        with tempfile.TemporaryDirectory(prefix=f"{prefix}-") as tmp:
            sqlite_url = url or f"sqlite:///{Path(tmp) / 'rtcc.db'}"
            upgrade(sqlite_url)
            yield sqlite_url
        return
    base = make_url(url)
    name = f"{prefix}_{uuid.uuid4().hex[:8]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        scratch = base.set(database=name).render_as_string(hide_password=False)
        try:
            upgrade(scratch)
            yield scratch
        finally:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()
