"""Alembic migration history (one history for SQLite and PostgreSQL; batch mode on SQLite)."""
