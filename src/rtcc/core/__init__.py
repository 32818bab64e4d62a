"""Shared building blocks (database, errors, plate forms, clock, logging, metrics); imports no domain."""
