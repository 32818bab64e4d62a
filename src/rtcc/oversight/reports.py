"""The monthly council report: generated on demand (API, ``rtcc oversight report --month``) or by the monthly job,
stored once per month (regenerating replaces it), listed and downloaded as HTML, PDF or CSV. Generating and every
download are audited (the read-only view the Sheriff's station and city staff share is a logged access)."""

from __future__ import annotations

import uuid
from typing import Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from rtcc.audit import service as audit
from rtcc.core.clock import utcnow
from rtcc.core.errors import NotFound
from rtcc.identity.logic import Principal
from rtcc.oversight import figures
from rtcc.oversight.models import CouncilReport
from rtcc.oversight.schemas import ReportRead

Form = Literal["html", "pdf", "csv"]
MEDIA = {"html": "text/html; charset=utf-8", "pdf": "application/pdf", "csv": "text/csv; charset=utf-8"}


def read(row: CouncilReport) -> ReportRead:
    """The list shape of a stored report."""
    return ReportRead(
        id=row.id, month=row.month, generated_by=row.generated_by, generated_at=row.generated_at, figures=row.figures
    )


def generate(session: Session, month: str, *, actor: Principal) -> ReportRead:
    """Gather the month's figures, render the three forms and store them (replacing an earlier one), audited."""
    from rtcc.oversight import render  # matplotlib loads only when a report is made

    f = figures.gather(session, month)
    row = session.scalar(select(CouncilReport).where(CouncilReport.month == month))
    if row is None:
        row = CouncilReport(id=uuid.uuid4(), month=month)
        session.add(row)
    row.html = render.to_html(f)
    row.pdf = render.to_pdf(f)
    row.csv = render.to_csv(f)
    row.figures = f
    row.generated_by = actor.audit_name
    row.generated_at = utcnow()
    session.flush()
    audit.record(
        session,
        actor=actor.audit_name,
        actor_role=actor.role,
        action="oversight.report.generate",
        target_type="oversight_report",
        target_id=month,
    )
    return read(row)


def listing(session: Session) -> list[ReportRead]:
    """Every filed report, newest month first."""
    return [read(r) for r in session.scalars(select(CouncilReport).order_by(CouncilReport.month.desc()))]


def exists(session: Session, month: str) -> bool:
    """Whether ``month``'s report is filed."""
    return session.scalar(select(CouncilReport.id).where(CouncilReport.month == month)) is not None


def download(session: Session, month: str, form: Form, *, actor: Principal) -> bytes:
    """One form of a filed report, audited."""
    row = session.scalar(select(CouncilReport).where(CouncilReport.month == month))
    if row is None:
        raise NotFound(f"no council report for {month}")
    audit.record(
        session,
        actor=actor.audit_name,
        actor_role=actor.role,
        action="oversight.report.read",
        target_type="oversight_report",
        target_id=month,
        details={"form": form},
    )
    if form == "pdf":
        return row.pdf
    return (row.html if form == "html" else row.csv).encode("utf-8")
