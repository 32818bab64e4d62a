"""The public transparency report (use case): every figure computed from the data and the audit log, never typed in,
and the server-rendered page that shows it, in English or Spanish, with times in the city's zone in words.

Sources: the fixed ALPR cameras (``rtcc.alpr.cameras``), reads and hit reads, hit alerts verified versus rejected
(read-only aggregates in ``repository``), ALPR searches and refusals by purpose code (audit entries ``alpr.search`` /
``alpr.search.refused``, contract C2), sharing requests by decision, the retention policy (contract C3), the agencies
we share with, the usage-policy text (packaged, or ``RTCC_TRANSPARENCY_POLICY_FILE``) and the last ``audit.verify``
entry, and the audit log's signed tree heads. Nothing personal is published: no plates, no names of users, only
counts and camera sites.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime, timedelta
from functools import cache
from importlib import resources
from zoneinfo import ZoneInfo

import jinja2
from sqlalchemy.orm import Session

from rtcc.alpr import cameras as alpr_cameras
from rtcc.audit import service as audit
from rtcc.core.clock import utcnow
from rtcc.core.localtime import local_text
from rtcc.governance import repository, service
from rtcc.governance.logic import text_blocks
from rtcc.governance.schemas import (
    AgencyPublic,
    AlertFigures,
    AuditCheck,
    AuditLogHeads,
    CameraPoint,
    PublishedHead,
    PublishedKey,
    PurposeCount,
    RetentionItem,
    TransparencyReport,
)
from rtcc.places import service as places
from rtcc.retention import service as retention_service
from rtcc.settings import Settings

logger = logging.getLogger(__name__)

_PACKAGE = "rtcc.governance"
_POLICY_FILE = "alpr_usage_policy.md"
_TEMPLATE = "transparency.html.j2"
_STRINGS = "transparency_strings.json"
#: Camera kinds that are fixed ALPR cameras (shared NVRs and mobile units are not counted).
FIXED_KINDS: frozenset[str] = frozenset({"alpr_fixed"})
#: Plain-language names of the retention data classes (contract C3 names).
RETENTION_LABELS: dict[str, str] = {
    "reads_nonhit": "Plate reads with no hotlist hit",
    "reads_hit": "Plate reads that hit a hotlist",
    "images": "Vehicle and plate images",
    "alerts": "Closed and rejected alerts",
    "audit": "Audit log",
}
#: Alert states that mean a person verified the hit (a closed hit was necessarily verified first).
VERIFIED_STATES: frozenset[str] = frozenset({"verified", "dispatched", "closed"})


def policy_text(settings: Settings) -> str:
    """The usage and privacy policy: the configured file, else the packaged one."""
    path = settings.transparency_policy_file
    if path is not None:
        try:
            return path.read_text(encoding="utf-8")
        except OSError:
            logger.warning("policy file %s unreadable; showing the packaged policy", path, exc_info=True)
    return resources.files(_PACKAGE).joinpath("data").joinpath(_POLICY_FILE).read_text(encoding="utf-8")


def _cameras(session: Session) -> list[CameraPoint]:
    cams = [c for c in alpr_cameras.list_cameras(session, active=True) if c.kind in FIXED_KINDS]
    out = []
    for c in sorted(cams, key=lambda c: c.code):
        where = places.locate(c.lat, c.lon) if c.lat is not None and c.lon is not None else None
        out.append(
            CameraPoint(
                code=c.code,
                name=c.name,
                lat=c.lat,
                lon=c.lon,
                location=c.location,
                heading_deg=c.heading_deg,
                status=c.status,
                division=where.division.name if where and where.division else None,
                neighborhood=where.neighborhood.name if where and where.neighborhood else None,
            )
        )
    return out


def alert_figures(counts: dict[tuple[str, str | None], int]) -> AlertFigures:
    """Verified, rejected (and misread), pending hit alerts and the rates, from counts by (state, reject reason)."""
    verified = sum(n for (state, _r), n in counts.items() if state in VERIFIED_STATES)
    rejected = sum(n for (state, _r), n in counts.items() if state == "rejected")
    misread = sum(n for (state, reason), n in counts.items() if state == "rejected" and reason == "misread")
    pending = sum(n for (state, _r), n in counts.items() if state == "new")
    reviewed = verified + rejected
    return AlertFigures(
        total=sum(counts.values()),
        verified=verified,
        rejected=rejected,
        rejected_misread=misread,
        pending=pending,
        misread_rate=round(misread / reviewed, 4) if reviewed else None,
        rejection_rate=round(rejected / reviewed, 4) if reviewed else None,
    )


def _searches(session: Session, since: datetime, until: datetime) -> tuple[list[PurposeCount], int, int]:
    done = repository.searches_by_purpose(session, action="alpr.search", since=since, until=until)
    refused = repository.searches_by_purpose(session, action="alpr.search.refused", since=since, until=until)
    out: list[PurposeCount] = []
    seen: set[str | None] = set()
    for p in service.purposes(session):
        out.append(
            PurposeCount(code=p.code, label=p.label, searches=done.get(p.code, 0), refused=refused.get(p.code, 0))
        )
        seen.add(p.code)
    for code in sorted({*done, *refused} - seen, key=lambda c: c or ""):
        label = code or "(no purpose given)"
        out.append(PurposeCount(code=code or "", label=label, searches=done.get(code, 0), refused=refused.get(code, 0)))
    return out, sum(done.values()), sum(refused.values())


def _last_verification(session: Session) -> AuditCheck | None:
    found = audit.search(session, actions=["audit.verify"], limit=1)
    if not found:
        return None
    e = found[0]
    d = e.details or {}
    return AuditCheck(
        at=e.at,
        ok=bool(d.get("ok")),
        checked=int(d.get("checked") or 0),
        first_bad_seq=d.get("first_bad_seq"),
        problem=d.get("problem"),
    )


#: Heads listed on the page (hourly heads: the last day); all of them are at ``.../audit-log/heads``.
RECENT_HEADS = 24


def _ms(value: int) -> datetime:
    return datetime.fromtimestamp(value / 1000, tz=UTC)


def _heads(session: Session) -> AuditLogHeads:
    found = audit.published_heads(session, recent=RECENT_HEADS + 1)
    h = found.latest
    rows = found.recent
    return AuditLogHeads(
        count=found.count,
        latest_tree_size=h.tree_size if h else None,
        latest_at=_ms(h.timestamp_ms) if h else None,
        latest_root_hash=h.root_hash if h else None,
        key_id=h.key_id if h else None,
        recent=[
            PublishedHead(
                id=r.id,
                tree_size=r.tree_size,
                at=_ms(r.timestamp_ms),
                root_hash=r.root_hash,
                key_id=r.key_id,
                previous_size=(
                    rows[i + 1].tree_size if i + 1 < len(rows) and 0 < rows[i + 1].tree_size < r.tree_size else None
                ),
            )
            for i, r in enumerate(rows[:RECENT_HEADS])
        ],
        keys=[
            PublishedKey(
                key_id=k.key_id,
                valid_from=_ms(k.valid_from_ms),
                valid_until=_ms(k.valid_until_ms) if k.valid_until_ms is not None else None,
            )
            for k in found.keys
        ],
    )


def report(session: Session, *, settings: Settings, now: datetime | None = None) -> TransparencyReport:
    """The transparency report for the window ending now."""
    now = now or utcnow()
    days = settings.transparency_window_days
    since = now - timedelta(days=days)
    cameras = _cameras(session)
    reads, hit_reads = repository.count_reads(session, since=since, until=now)
    by_purpose, total, refused = _searches(session, since, now)
    return TransparencyReport(
        generated_at=now,
        city=places.city_name(),
        window_days=days,
        window_start=since,
        camera_count=len(cameras),
        cameras=cameras,
        reads=reads,
        hit_reads=hit_reads,
        hit_alerts=alert_figures(repository.hit_alert_counts(session, since=since, until=now)),
        searches_total=total,
        searches_refused=refused,
        searches_by_purpose=by_purpose,
        sharing_requests=repository.sharing_counts(session, since=since),
        retention=[
            RetentionItem(
                name=r.name, label=RETENTION_LABELS.get(r.name, r.name), days=r.days, description=r.description
            )
            for r in retention_service.policy(settings)
        ],
        agencies=[
            AgencyPublic(code=a.code, name=a.name, data_classes=list(a.data_classes), purposes=list(a.purposes))
            for a in repository.agencies(session, active=True)
        ],
        purposes=service.purpose_reads(session),
        policy_text=policy_text(settings),
        last_audit_verification=_last_verification(session),
        audit_log_heads=_heads(session),
    )


@cache
def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.PackageLoader(_PACKAGE, "data"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


@cache
def _strings() -> dict[str, dict[str, str]]:
    """The page's words in each language (``data/transparency_strings.json``)."""
    text = resources.files(_PACKAGE).joinpath("data").joinpath(_STRINGS).read_text(encoding="utf-8")
    found: dict[str, dict[str, str]] = json.loads(text)
    return found


def render_html(data: TransparencyReport, *, lang: str = "en", zone: ZoneInfo | None = None) -> str:
    """The report as an accessible HTML page in ``lang`` (English or Spanish), times in the city's ``zone`` in words.
    Texts that come from the data (purpose labels, retention descriptions, the policy) are shown as entered."""
    strings = _strings()
    lang = lang if lang in strings else "en"
    tz = zone or ZoneInfo("UTC")
    template = _environment().get_template(_TEMPLATE)
    return template.render(
        report=data,
        policy_blocks=text_blocks(data.policy_text),
        lang=lang,
        t=strings[lang],
        when=lambda value: local_text(value, tz, lang),
        day=lambda value: local_text(value, tz, lang, with_time=False),
    )
