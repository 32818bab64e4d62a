"""Use cases of the analytics domain around incidents: importing agency incident files, the events a forecast
learns from (incidents, live calls and imported call history of one category), and the public crime map.

Forecasts are in ``rtcc.analytics.forecasts`` and placement in ``rtcc.analytics.placement``; both build on the
events gathered here. The unit of work belongs to the caller (route, CLI, job): nothing here commits.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Final

from sqlalchemy.orm import Session

from rtcc.analytics import logic, repository
from rtcc.analytics.adapters import incidents as incident_files
from rtcc.analytics.adapters.incidents import IncidentRow
from rtcc.analytics.schemas import CrimeMapRead, ImportReport, NeighborhoodCounts, PublicIncident, WeekCounts
from rtcc.audit import service as audit
from rtcc.core.clock import utcnow
from rtcc.core.errors import ImportFailed
from rtcc.identity.logic import Principal
from rtcc.places import service as places

logger = logging.getLogger(__name__)

CHUNK: Final = 2000
KEPT_PROBLEMS: Final = 50


def store_incidents(session: Session, rows: Iterable[IncidentRow], *, source: str) -> tuple[int, int]:
    """Store incidents, each located in the city profile; (read, newly stored): one already stored (same source and
    external id) is not stored again."""
    now = utcnow()
    records = imported = 0
    batch: list[dict[str, object]] = []
    for row in rows:
        records += 1
        where = places.locate(row.lat, row.lon)
        area = where.neighborhood
        batch.append(
            {
                "source": source,
                "external_id": row.external_id,
                "category": row.category,
                "category_raw": row.category_raw,
                "occurred_at": row.occurred_at,
                "address": row.address,
                "lat": row.lat,
                "lon": row.lon,
                "in_city": where.inside_city,
                "neighborhood": area.code if area else None,
                "neighborhood_name": area.name if area else None,
                "district": where.district.code if where.district else None,
                "division": where.division.code if where.division else places.division_of(None, None),
                "imported_at": now,
            }
        )
        if len(batch) >= CHUNK:
            imported += repository.insert_incidents(session, batch)
            batch = []
    imported += repository.insert_incidents(session, batch)
    return records, imported


def import_incidents(
    session: Session, path: Path, *, layout: str, source: str | None, actor: Principal
) -> ImportReport:
    """Store the incidents of an agency file (LASD or LAPD layout); duplicates (same source and id) are stored once;
    bad rows are reported by line and skipped. Audited."""
    problems: list[str] = []
    src = source or layout
    rows = incident_files.read(path, layout, zone=places.city_zone(), problems=problems)
    try:
        good, imported = store_incidents(session, rows, source=src)
    except ValueError as exc:  # a wrong layout or a file without the layout's columns: nothing is stored
        raise ImportFailed(str(exc)) from None
    records = good + len(problems)
    report = ImportReport(
        records=records,
        imported=imported,
        duplicates=good - imported,
        skipped=len(problems),
        problems=problems[:KEPT_PROBLEMS],
    )
    audit.record_for(
        session,
        actor,
        "analytics.incidents_imported",
        target_type="incident_file",
        target_id=path.name,
        details={"layout": layout, "source": src, **report.model_dump(exclude={"problems"})},
    )
    logger.info("incidents %s: %d read, %d new, %d skipped", path.name, records, imported, len(problems))
    return report


@dataclass(frozen=True)
class Events:
    """The events of one category: times and (lat, lon), and how many came from each source."""

    times: list[datetime]
    lats: list[float]
    lons: list[float]
    incidents: int
    calls: int


def category_events(session: Session, category: str, *, since: datetime, until: datetime) -> Events:
    """Incidents of ``category`` and the calls whose type reports it (live and imported), in [since, until)."""
    times: list[datetime] = []
    lats: list[float] = []
    lons: list[float] = []
    inc = repository.incident_points(session, categories=[category], since=since, until=until)
    for _, t, la, lo in inc:
        times.append(t)
        lats.append(la)
        lons.append(lo)
    types = [ct for ct, cat in logic.CALL_TYPES.items() if cat == category]
    calls = repository.call_points(session, since=since, until=until, types=types) if types else []
    for _, t, la, lo, _rank in calls:
        times.append(t)
        lats.append(la)
        lons.append(lo)
    return Events(times, lats, lons, len(inc), len(calls))


def crime_map(session: Session, *, days: int, now: datetime | None = None) -> CrimeMapRead:
    """The public crime map of the last ``days`` days: masked incidents and weekly counts per neighborhood (or
    reporting district where the profile has no neighborhoods). Public: no personal data leaves here."""
    end = now or utcnow()
    zone = places.city_zone()
    since = end - timedelta(days=days)
    rows = repository.public_incidents(session, since=since, categories=logic.CATEGORIES)
    area_names = {a.code: a.name for a in places.profile_read().neighborhoods}
    kind = "neighborhood" if area_names else "district"
    out: list[PublicIncident] = []
    weekly: dict[str, dict[str, dict[str, int]]] = defaultdict(lambda: defaultdict(lambda: defaultdict(int)))
    for r in rows:
        m = logic.mask(r.lat, r.lon, r.address)
        day = r.occurred_at.astimezone(zone).date()
        code = r.neighborhood if kind == "neighborhood" else r.district
        out.append(
            PublicIncident(
                category=r.category, day=day, block=m.block, lat=m.lat, lon=m.lon, neighborhood=r.neighborhood_name
            )
        )
        if code:
            weekly[code][logic.week_start(day).isoformat()][r.category] += 1
            if kind == "neighborhood" and r.neighborhood_name:
                area_names.setdefault(code, r.neighborhood_name)
    areas = [
        NeighborhoodCounts(
            code=code,
            name=area_names.get(code, code),
            weeks=[WeekCounts(week=datetime.fromisoformat(w).date(), counts=dict(c)) for w, c in sorted(weeks.items())],
        )
        for code, weeks in sorted(weekly.items(), key=lambda kv: area_names.get(kv[0], kv[0]))
    ]
    return CrimeMapRead(
        city=places.city_name(),
        since=since.astimezone(zone).date(),
        until=end.astimezone(zone).date(),
        categories=list(logic.CATEGORIES),
        mask_cell_m=logic.MASK_CELL_M,
        area_kind=kind,
        incidents=out,
        areas=areas,
    )


def to_utc(value: datetime) -> datetime:
    """``value`` as an aware UTC time (naive values are taken as UTC)."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
