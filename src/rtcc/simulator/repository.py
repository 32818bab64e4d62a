"""Queries of the simulator's runs table (never commits: the caller's unit of work does)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from rtcc.simulator.models import SimulationRun


def add(session: Session, row: SimulationRun) -> None:
    """Stage a new run."""
    session.add(row)
    session.flush()


def get(session: Session, run_id: uuid.UUID) -> SimulationRun | None:
    """One run by id."""
    return session.get(SimulationRun, run_id)


def latest(session: Session, limit: int) -> list[SimulationRun]:
    """The latest runs, newest first."""
    return list(session.scalars(select(SimulationRun).order_by(SimulationRun.created_at.desc()).limit(limit)))


def set_progress(session: Session, run_id: uuid.UUID, pct: int) -> None:
    """Record a running run's progress."""
    row = session.get(SimulationRun, run_id)
    if row is not None:
        row.progress = pct
        row.status = "running"


def finish(
    session: Session, run_id: uuid.UUID, *, status: str, results: dict[str, Any] | None, error: str | None, at: datetime
) -> None:
    """Record a run's end."""
    row = session.get(SimulationRun, run_id)
    if row is not None:
        row.status = status
        row.results = results
        row.error = error
        row.progress = 100 if status == "done" else row.progress
        row.finished_at = at
