"""Pure misuse detectors over audit rows: no database, no clock; rows and parameters in, flag drafts out.

Five detectors read the ALPR access entries of the audit log (contract C2):

- ``off_duty``: ALPR accesses (search, opened read or image, export) outside the user's duty hours, per user and
  UTC day (a user's schedule, else the default window, read in local time);
- ``volume``: a user's searches in a window far above the peers who searched in the same window: robust z-score
  ``0.6745 (x - median) / MAD`` (when MAD is 0: ``(x - median) / (1.2533 * mean absolute deviation)``);
- ``repeated_plate``: one plate looked up by one user several times in a window without a case number;
- ``inactive_case``: a case number searched, with no follow-up activity within N days of its first search.
  Follow-up activity is anything other than a search that carries the same case number later: an opened read or
  image, an export, a hold, a footage request, a sharing request (any audit entry whose details carry the case
  number) or a hotlist entry added for the case;
- ``forbidden_purpose``: any entry (refused search, denied sharing request, ...) naming a purpose the policy forbids,
  per user and UTC day.

Windows are fixed blocks of whole days counted from 1970-01-01 UTC, so that one detector, one subject and one window
give the same dedup key on every scan.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, tzinfo
from typing import Any

from rtcc.core.plates import normalise
from rtcc.governance.logic import normalise_case

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
SEARCH = "alpr.search"
#: Audit actions that are an access to ALPR data.
ACCESS_ACTIONS: frozenset[str] = frozenset({"alpr.search", "alpr.read.open", "alpr.image.open", "alpr.export"})
#: Roles that are not people working a shift (the system, CLI jobs, other agencies' keys).
NON_PERSON_ROLES: frozenset[str] = frozenset({"system", "agency"})
#: Keys of a search's ``query`` that hold a plate.
PLATE_KEYS: tuple[str, ...] = ("plate", "plate_norm", "target_plate", "plates")
_WILDCARDS = frozenset("*?%_")
#: Largest number of audit seqs kept in one flag's evidence (the count is always kept).
MAX_EVIDENCE_SEQS = 500


@dataclass(frozen=True, slots=True)
class AuditRow:
    """The fields of one audit entry the detectors read."""

    seq: int
    at: datetime
    actor: str
    role: str | None
    action: str
    details: Mapping[str, Any]

    @property
    def purpose(self) -> str | None:
        """The purpose code the entry names, if any."""
        value = self.details.get("purpose")
        return str(value) if value else None

    @property
    def case_number(self) -> str | None:
        """The entry's case number, normalised (None when absent)."""
        value = self.details.get("case_number")
        return normalise_case(str(value)) if value else None

    @property
    def is_person(self) -> bool:
        """True for an entry by a person (not the system, a CLI job or another agency's key)."""
        return self.role is not None and self.role not in NON_PERSON_ROLES


@dataclass(frozen=True)
class DutyWindow:
    """Local weekdays on duty (0 = Monday) and the daily window in minutes; ``end < start`` is an overnight shift
    (it belongs to the day it starts on); ``start == end`` means on duty all day."""

    weekdays: frozenset[int]
    start_minute: int
    end_minute: int
    tz: tzinfo

    def on_duty(self, at: datetime) -> bool:
        """True when ``at`` falls inside the window."""
        local = at.astimezone(self.tz)
        minute = local.hour * 60 + local.minute
        day = local.weekday()
        if self.start_minute == self.end_minute:
            return day in self.weekdays
        if self.start_minute < self.end_minute:
            return day in self.weekdays and self.start_minute <= minute < self.end_minute
        if minute >= self.start_minute:
            return day in self.weekdays
        return minute < self.end_minute and (day - 1) % 7 in self.weekdays


@dataclass(frozen=True)
class FlagDraft:
    """A flag a detector raises: the detector, its subject (user, user|plate, case), the window and the evidence."""

    detector: str
    subject: str
    window_start: datetime
    window_end: datetime
    severity: str
    summary: str
    evidence: dict[str, Any] = field(default_factory=dict)
    key_window: bool = True

    @property
    def dedup_key(self) -> str:
        """Same detector, subject and window = the same flag."""
        if not self.key_window:
            return f"{self.detector}|{self.subject}"[:255]
        return f"{self.detector}|{self.subject}|{self.window_start:%Y%m%d}-{self.window_end:%Y%m%d}"[:255]


def window_of(at: datetime, days: int) -> tuple[datetime, datetime]:
    """The fixed window of ``days`` whole days (counted from 1970-01-01 UTC) that contains ``at``."""
    span = timedelta(days=days)
    index = (at.astimezone(UTC) - EPOCH) // span
    start = EPOCH + index * span
    return start, start + span


def _seqs(rows: Sequence[AuditRow]) -> list[int]:
    return sorted(r.seq for r in rows)[:MAX_EVIDENCE_SEQS]


def plates_of(row: AuditRow) -> list[str]:
    """The whole plates a search looked up (normalised; partial plates with wildcards are not counted)."""
    query = row.details.get("query")
    if not isinstance(query, Mapping):
        return []
    found: list[str] = []
    for key in PLATE_KEYS:
        value = query.get(key)
        values = value if isinstance(value, list) else [value]
        for v in values:
            if isinstance(v, str) and v and not (_WILDCARDS & set(v)):
                plate = normalise(v)
                if plate and plate not in found:
                    found.append(plate)
    return found


def off_duty(rows: Iterable[AuditRow], *, schedules: Mapping[str, DutyWindow], default: DutyWindow) -> list[FlagDraft]:
    """ALPR accesses outside the actor's duty window, one flag per actor and UTC day."""
    groups: dict[tuple[str, datetime], list[AuditRow]] = defaultdict(list)
    for r in rows:
        if r.action not in ACCESS_ACTIONS or not r.is_person:
            continue
        window = schedules.get(r.actor, default)
        if not window.on_duty(r.at):
            groups[(r.actor, window_of(r.at, 1)[0])].append(r)
    out: list[FlagDraft] = []
    for (actor, start), hits in sorted(groups.items()):
        schedule = "own schedule" if actor in schedules else "default duty window"
        out.append(
            FlagDraft(
                detector="off_duty",
                subject=actor,
                window_start=start,
                window_end=start + timedelta(days=1),
                severity="high" if len(hits) >= 5 else "medium",
                summary=f"{len(hits)} ALPR accesses outside duty hours ({schedule})",
                evidence={
                    "count": len(hits),
                    "schedule": schedule,
                    "times": [r.at.isoformat() for r in sorted(hits, key=lambda r: r.seq)][:MAX_EVIDENCE_SEQS],
                    "seqs": _seqs(hits),
                },
            )
        )
    return out


@dataclass(frozen=True)
class RobustScore:
    """A robust z-score and the figures it came from."""

    z: float
    median: float
    mad: float
    method: str


def robust_z(value: float, population: Sequence[float]) -> RobustScore | None:
    """Robust z-score of ``value`` against ``population`` (median/MAD; mean absolute deviation when MAD is 0);
    None when the population has no spread at all."""
    med = statistics.median(population)
    deviations = [abs(x - med) for x in population]
    mad = statistics.median(deviations)
    if mad > 0:
        return RobustScore(0.6745 * (value - med) / mad, med, mad, "mad")
    mean_ad = statistics.fmean(deviations)
    if mean_ad > 0:
        return RobustScore((value - med) / (1.253314 * mean_ad), med, mean_ad, "meanad")
    return None


def volume(
    rows: Iterable[AuditRow], *, window_days: int, z_threshold: float, min_searches: int, min_peers: int
) -> list[FlagDraft]:
    """Users whose searches in a window are far above their peers' (robust z-score), one flag per user and window."""
    per_window: dict[datetime, dict[str, list[AuditRow]]] = defaultdict(lambda: defaultdict(list))
    for r in rows:
        if r.action == SEARCH and r.is_person:
            per_window[window_of(r.at, window_days)[0]][r.actor].append(r)
    out: list[FlagDraft] = []
    for start, by_actor in sorted(per_window.items()):
        if len(by_actor) < min_peers:
            continue
        counts = {actor: len(found) for actor, found in by_actor.items()}
        population = [float(c) for c in counts.values()]
        for actor, count in sorted(counts.items()):
            if count < min_searches:
                continue
            score = robust_z(float(count), population)
            if score is None or score.z <= z_threshold:
                continue
            out.append(
                FlagDraft(
                    detector="volume",
                    subject=actor,
                    window_start=start,
                    window_end=start + timedelta(days=window_days),
                    severity="high" if score.z > 2 * z_threshold else "medium",
                    summary=f"{count} searches in {window_days} days; peers' median {score.median:g} "
                    f"(robust z {score.z:.1f})",
                    evidence={
                        "count": count,
                        "peers": len(counts),
                        "peer_median": score.median,
                        "spread": score.mad,
                        "spread_method": score.method,
                        "z": round(score.z, 3),
                        "threshold": z_threshold,
                        "peer_counts": sorted(counts.values()),
                        "seqs": _seqs(by_actor[actor]),
                    },
                )
            )
    return out


def repeated_plate(rows: Iterable[AuditRow], *, window_days: int, threshold: int) -> list[FlagDraft]:
    """One plate searched ``threshold`` or more times by one user in a window without a case number."""
    groups: dict[tuple[str, str, datetime], list[AuditRow]] = defaultdict(list)
    for r in rows:
        if r.action != SEARCH or not r.is_person or r.case_number:
            continue
        for plate in plates_of(r):
            groups[(r.actor, plate, window_of(r.at, window_days)[0])].append(r)
    out: list[FlagDraft] = []
    for (actor, plate, start), hits in sorted(groups.items()):
        if len(hits) < threshold:
            continue
        purposes = sorted({r.purpose or "" for r in hits})
        out.append(
            FlagDraft(
                detector="repeated_plate",
                subject=f"{actor}|{plate}",
                window_start=start,
                window_end=start + timedelta(days=window_days),
                severity="high" if len(hits) >= 2 * threshold else "medium",
                summary=f"one plate looked up {len(hits)} times without a case number",
                evidence={"count": len(hits), "plate": plate, "purposes": purposes, "seqs": _seqs(hits)},
            )
        )
    return out


@dataclass(frozen=True, slots=True)
class CaseActivity:
    """Something that happened under a case number (not a search): an audit action or another record."""

    case_number: str
    at: datetime
    kind: str
    ref: str


def inactive_case(
    rows: Iterable[AuditRow], activity: Iterable[CaseActivity], *, now: datetime, inactive_days: int
) -> list[FlagDraft]:
    """Case numbers searched with no follow-up activity within ``inactive_days`` of their first search.

    A case is judged only once its deadline has passed; audit rows that carry the case number and are not searches
    count as activity, as do the ``activity`` records given (hotlist entries, ...).
    """
    span = timedelta(days=inactive_days)
    searches: dict[str, list[AuditRow]] = defaultdict(list)
    follow: dict[str, list[datetime]] = defaultdict(list)
    for r in rows:
        case = r.case_number
        if not case:
            continue
        if r.action == SEARCH:
            if r.is_person:
                searches[case].append(r)
        elif not r.action.startswith(SEARCH):  # refused searches are no activity either
            follow[case].append(r.at)
    for a in activity:
        case = normalise_case(a.case_number)
        if case:
            follow[case].append(a.at)
    out: list[FlagDraft] = []
    for case, found in sorted(searches.items()):
        first = min(found, key=lambda r: (r.at, r.seq))
        deadline = first.at + span
        if deadline > now:
            continue
        if any(first.at < t <= deadline for t in follow.get(case, [])):
            continue
        actors = sorted({r.actor for r in found})
        out.append(
            FlagDraft(
                detector="inactive_case",
                subject=case,
                window_start=first.at,
                window_end=deadline,
                severity="low",
                summary=f"case searched {len(found)} times; no follow-up activity within {inactive_days} days",
                evidence={
                    "count": len(found),
                    "actors": actors,
                    "first_search_at": first.at.isoformat(),
                    "deadline": deadline.isoformat(),
                    "seqs": _seqs(found),
                },
                key_window=False,
            )
        )
    return out


def forbidden_purpose(rows: Iterable[AuditRow], *, forbidden: frozenset[str]) -> list[FlagDraft]:
    """Entries naming a purpose the policy forbids (refused searches, denied sharing requests, ...), per actor and
    UTC day."""
    groups: dict[tuple[str, datetime], list[AuditRow]] = defaultdict(list)
    for r in rows:
        if r.purpose in forbidden:
            groups[(r.actor, window_of(r.at, 1)[0])].append(r)
    out: list[FlagDraft] = []
    for (actor, start), hits in sorted(groups.items()):
        codes = sorted({r.purpose or "" for r in hits})
        out.append(
            FlagDraft(
                detector="forbidden_purpose",
                subject=actor,
                window_start=start,
                window_end=start + timedelta(days=1),
                severity="high",
                summary=f"{len(hits)} requests for a forbidden purpose ({', '.join(codes)})",
                evidence={
                    "count": len(hits),
                    "purposes": codes,
                    "actions": sorted({r.action for r in hits}),
                    "seqs": _seqs(hits),
                },
            )
        )
    return out


@dataclass(frozen=True)
class DetectorParams:
    """Every detector's parameters (from settings) in one place."""

    default_duty: DutyWindow
    volume_window_days: int = 7
    volume_z: float = 3.5
    volume_min_searches: int = 20
    volume_min_peers: int = 3
    repeat_window_days: int = 7
    repeat_threshold: int = 3
    case_inactive_days: int = 14


def run_all(
    rows: Sequence[AuditRow],
    *,
    params: DetectorParams,
    schedules: Mapping[str, DutyWindow],
    activity: Sequence[CaseActivity],
    forbidden: frozenset[str],
    now: datetime,
) -> list[FlagDraft]:
    """Every detector over the same rows."""
    return [
        *off_duty(rows, schedules=schedules, default=params.default_duty),
        *volume(
            rows,
            window_days=params.volume_window_days,
            z_threshold=params.volume_z,
            min_searches=params.volume_min_searches,
            min_peers=params.volume_min_peers,
        ),
        *repeated_plate(rows, window_days=params.repeat_window_days, threshold=params.repeat_threshold),
        *inactive_case(rows, activity, now=now, inactive_days=params.case_inactive_days),
        *forbidden_purpose(rows, forbidden=forbidden),
    ]
