"""Helpers of the governance tests: audit entries written at chosen times (the clock is set per entry)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from rtcc.audit import service as audit
from rtcc.core.clock import set_clock
from rtcc.core.db import Database


@contextmanager
def frozen(at: datetime) -> Iterator[None]:
    """Freeze the clock at ``at`` for the block."""
    set_clock(lambda: at)
    try:
        yield
    finally:
        set_clock(None)


def put(
    db: Database,
    entries: list[tuple[datetime, str, str | None, str, dict[str, Any]]],
    *,
    target: tuple[str, str] | None = None,
) -> list[int]:
    """Append (at, actor, role, action, details) entries in one unit of work; returns their seqs."""
    seqs: list[int] = []
    with db.uow() as session:
        for at, actor, role, action, details in entries:
            with frozen(at):
                e = audit.record(
                    session,
                    actor=actor,
                    actor_role=role,
                    action=action,
                    target_type=target[0] if target else None,
                    target_id=target[1] if target else None,
                    details=details,
                )
            seqs.append(e.seq)
    return seqs


def search_details(
    *,
    plate: str | None = "7ABC123",
    purpose: str = "stolen_vehicle",
    case: str | None = "2026-0001",
    unit: str = "RTCC",
) -> dict[str, Any]:
    """The details of an ``alpr.search`` entry (contract C2)."""
    return {
        "kind": "plate",
        "query": {"plate": plate} if plate else {},
        "purpose": purpose,
        "case_number": case,
        "result_count": 3,
        "unit": unit,
    }
