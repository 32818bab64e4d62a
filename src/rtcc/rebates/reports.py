"""Read-only views of the rebate program for the council and for recapture: the council report (applications,
approvals, denials, dollars committed and paid, cameras added by neighbourhood; JSON or CSV) and the list of rebated
cameras withdrawn from the registry before the registration commitment ended (read through contract C4).

Neighbourhoods are stored on each application at submission: the community domain's neighbourhood area containing
the household's map pin, else the city sector (quadrant) of the city boundary; ``neighborhood_source`` says which
kind of areas the city has defined.
"""

from __future__ import annotations

import csv
import io
import uuid
from collections import defaultdict
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy.orm import Session

from rtcc.cameras import service as cameras
from rtcc.core.errors import NotFound, ValidationFailed, field_error
from rtcc.places import service as places
from rtcc.rebates import logic, repository
from rtcc.rebates.logic import Status
from rtcc.rebates.schemas import ComplianceRow, NeighborhoodRow, ReportRead
from rtcc.settings import Settings


def _bounds(start: date | None, end: date | None) -> tuple[datetime | None, datetime | None]:
    lo = datetime.combine(start, time.min, tzinfo=UTC) if start else None
    hi = datetime.combine(end + timedelta(days=1), time.min, tzinfo=UTC) if end else None
    return lo, hi


def _within(value: datetime | None, lo: datetime | None, hi: datetime | None) -> bool:
    return value is not None and (lo is None or value >= lo) and (hi is None or value < hi)


def report(session: Session, *, start: date | None, end: date | None) -> ReportRead:
    """Council figures for the whole days ``start``..``end`` (UTC, both inclusive; None = open)."""
    if start and end and end < start:
        raise ValidationFailed("to: must not be before from", errors=[field_error("to", "before from", where="query")])
    lo, hi = _bounds(start, end)
    apps = repository.touching_period(session, lo, hi)
    rebated = {Status.approved.value, Status.paid.value}
    by_hood: dict[str, set[uuid.UUID]] = defaultdict(set)
    hood_cents: dict[str, int] = defaultdict(int)
    applications = approvals = denials = ineligible = committed = paid = 0
    for a in apps:
        if _within(a.submitted_at, lo, hi):
            applications += 1
            if a.status == Status.ineligible.value:
                ineligible += 1
        if _within(a.decided_at, lo, hi) and a.status == Status.denied.value:
            denials += 1
        if _within(a.approved_at, lo, hi) and a.status in rebated:
            approvals += 1
            committed += a.rebate_cents
            hood = a.neighborhood or "Unknown"
            by_hood[hood].add(a.camera_id)
            hood_cents[hood] += a.rebate_cents
        if _within(a.paid_at, lo, hi) and a.status == Status.paid.value:
            paid += a.rebate_cents
    rows = [NeighborhoodRow(neighborhood=h, cameras=len(c), rebate_cents=hood_cents[h]) for h, c in by_hood.items()]
    rows.sort(key=lambda r: (-r.cameras, r.neighborhood))
    waiting, _cents = repository.waitlist_totals(session)
    return ReportRead(
        period_from=start,
        period_to=end,
        applications=applications,
        approvals=approvals,
        denials=denials,
        ineligible=ineligible,
        waitlisted_now=waiting,
        committed_cents=committed,
        paid_cents=paid,
        cameras_added=sum(r.cameras for r in rows),
        by_neighborhood=rows,
        neighborhood_source="profile" if places.neighborhoods() else "sector",
    )


def report_csv(rep: ReportRead) -> str:
    """The report as CSV: ``kind,name,count,cents`` rows (totals first, then one row per neighbourhood)."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["kind", "name", "count", "cents"])
    w.writerow(["period", "from", "", rep.period_from.isoformat() if rep.period_from else ""])
    w.writerow(["period", "to", "", rep.period_to.isoformat() if rep.period_to else ""])
    for name in ("applications", "approvals", "denials", "ineligible", "waitlisted_now", "cameras_added"):
        w.writerow(["total", name, getattr(rep, name), ""])
    w.writerow(["total", "committed", "", rep.committed_cents])
    w.writerow(["total", "paid", "", rep.paid_cents])
    for r in rep.by_neighborhood:
        w.writerow(["neighborhood", r.neighborhood, r.cameras, r.rebate_cents])
    return buf.getvalue()


# --- registration commitment -----------------------------------------------------------------------------------------


def compliance(session: Session, settings: Settings) -> list[ComplianceRow]:
    """Approved/paid rebates whose camera was withdrawn (or deleted) before the commitment ended: recapture."""
    years = settings.rebate_commitment_years
    out: list[ComplianceRow] = []
    for app in repository.rebated(session):
        if app.approved_at is None:
            continue
        try:
            camera = cameras.get_camera(session, app.camera_id)
            found, withdrawn_at = True, camera.withdrawn_at
            if withdrawn_at is None and not cameras.is_shared(camera):
                withdrawn_at = camera.updated_at
        except NotFound:
            found, withdrawn_at = False, None
        problem = logic.commitment_breach(app.approved_at, years, camera_found=found, withdrawn_at=withdrawn_at)
        if problem is None:
            continue
        out.append(
            ComplianceRow(
                application_id=app.id,
                applicant_id=app.applicant_id,
                camera_id=app.camera_id,
                status=app.status,
                approved_at=app.approved_at,
                commitment_ends=logic.add_years(app.approved_at, years),
                withdrawn_at=withdrawn_at,
                problem=problem,
                rebate_cents=app.rebate_cents,
            )
        )
    return out
