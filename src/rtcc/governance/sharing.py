"""Sharing with other agencies (use cases): the list of agencies and what each may receive, and the decision on every
request another agency sends with its agency API key.

The decision is ``logic.decide_sharing``: deny by default, in code. Every request, allowed or denied, is kept as a
``sharing_requests`` row and a ``sharing.request`` audit entry (contract C2) in the request's transaction. An allowed
request for reads (``reads_hit``, ``reads_nonhit``) is answered at once with the reads of the exact plate asked for,
found through ``rtcc.investigations.service.search_plates`` (itself audited as an ``alpr.search`` by the agency's key)
and narrowed to the data class allowed (hit or non-hit reads; image references only when ``images`` is allowed too).
A query that cannot be served (no plate, a wildcard, unknown keys) is denied as ``invalid_query``; one whose time range
goes beyond the purpose's case-free window without a case on OUR record (a CAD call or hotlist entry, see
``rtcc.governance.cases``) is denied as ``case_required``, as the same search by our own staff is. Other data classes
are answered with the decision and a reference under which the records are sent.
"""

from __future__ import annotations

import logging
import math
from datetime import datetime
from typing import Any

from pydantic import ValidationError
from sqlalchemy.orm import Session

from rtcc.audit import service as audit
from rtcc.audit.service import Actor
from rtcc.core.clock import utcnow
from rtcc.core.errors import Conflict, NotFound, ValidationFailed, field_error
from rtcc.governance import access, repository, service
from rtcc.governance.logic import AgencyPolicy, SharingDecision, decide_sharing, purposes_by_code
from rtcc.governance.models import SharingAgency, SharingRequest
from rtcc.governance.schemas import (
    AgencyCreate,
    AgencyRead,
    AgencyUpdate,
    SharingDecisionRead,
    SharingRequestIn,
    SharingRequestRead,
)
from rtcc.identity.logic import Principal
from rtcc.investigations import service as investigations
from rtcc.investigations.schemas import MAX_LIMIT, PlateSearch
from rtcc.settings import Settings

logger = logging.getLogger(__name__)


def _check_purposes(session: Session, codes: list[str]) -> list[str]:
    known = purposes_by_code(service.purposes(session))
    bad = [c for c in codes if c not in known]
    if bad:
        msg = f"purposes: unknown purpose code(s) {', '.join(bad)}"
        raise ValidationFailed(msg, errors=[field_error("purposes", msg)])
    forbidden = [c for c in codes if not known[c].allowed]
    if forbidden:
        msg = f"purposes: {', '.join(forbidden)} is forbidden by the usage policy and cannot be shared for"
        raise ValidationFailed(msg, errors=[field_error("purposes", msg)])
    return sorted(set(codes))


def list_agencies(session: Session, *, active: bool | None = None) -> list[AgencyRead]:
    """Agencies on the sharing list."""
    return [AgencyRead.model_validate(a) for a in repository.agencies(session, active=active)]


def get_agency(session: Session, code: str) -> AgencyRead:
    """One agency by code (NotFound otherwise)."""
    found = repository.agency_by_code(session, code.upper())
    if found is None:
        raise NotFound(f"no agency with code {code!r}")
    return AgencyRead.model_validate(found)


def create_agency(session: Session, data: AgencyCreate, *, actor: Principal) -> AgencyRead:
    """Put an agency on the sharing list (audited)."""
    if repository.agency_by_code(session, data.code) is not None:
        raise Conflict(f"agency {data.code} is already listed")
    now = utcnow()
    row = SharingAgency(
        code=data.code,
        name=data.name,
        data_classes=list(data.data_classes),
        purposes=_check_purposes(session, data.purposes),
        active=data.active,
        contact=data.contact,
        created_at=now,
        updated_at=now,
    )
    session.add(row)
    session.flush()
    audit.record_for(
        session,
        actor,
        "sharing.agency.create",
        target_type="agency",
        target_id=row.code,
        details={"data_classes": row.data_classes, "purposes": row.purposes, "active": row.active},
    )
    return AgencyRead.model_validate(row)


def update_agency(session: Session, code: str, data: AgencyUpdate, *, actor: Principal) -> AgencyRead:
    """Change what an agency may receive, or suspend it (audited)."""
    row = repository.agency_by_code(session, code.upper())
    if row is None:
        raise NotFound(f"no agency with code {code!r}")
    changes = data.model_dump(exclude_unset=True)
    if "purposes" in changes and changes["purposes"] is not None:
        changes["purposes"] = _check_purposes(session, changes["purposes"])
    before = {k: getattr(row, k) for k in changes}
    for key, value in changes.items():
        if value is None and key in ("name", "data_classes", "purposes", "active"):
            continue
        setattr(row, key, value)
    row.updated_at = utcnow()
    session.flush()
    audit.record_for(
        session,
        actor,
        "sharing.agency.update",
        target_type="agency",
        target_id=row.code,
        details={"before": before, "after": {k: getattr(row, k) for k in changes}},
    )
    return AgencyRead.model_validate(row)


def _policy(row: SharingAgency | None) -> AgencyPolicy | None:
    if row is None:
        return None
    return AgencyPolicy(row.code, row.active, frozenset(row.data_classes), frozenset(row.purposes))


#: Deepest nesting of a request's query that is kept as sent (deeper parts are replaced by a marker).
MAX_QUERY_DEPTH = 4
#: Most keys (or list items) kept per level of a query, and the longest string kept.
MAX_QUERY_ITEMS = 50
MAX_QUERY_TEXT = 256
_INT64 = 2**63


def safe_query(value: Any, depth: int = 0) -> Any:
    """A request's query as it can be logged (row and audit entry): JSON-safe and bounded. Nesting deeper than
    ``MAX_QUERY_DEPTH``, integers beyond 64 bits, long strings and long lists are cut with a visible marker, so that
    a hostile query can neither crash the audit write (which would roll the request's record back with it) nor
    bloat the log. The query's decision is made on what was sent; only the log is bounded."""
    if isinstance(value, dict):
        if depth >= MAX_QUERY_DEPTH:
            return "[nested too deep: dropped]"
        items = list(value.items())
        out = {str(k)[:64]: safe_query(v, depth + 1) for k, v in items[:MAX_QUERY_ITEMS]}
        if len(items) > MAX_QUERY_ITEMS:
            out["..."] = f"[{len(items) - MAX_QUERY_ITEMS} more keys dropped]"
        return out
    if isinstance(value, list):
        if depth >= MAX_QUERY_DEPTH:
            return "[nested too deep: dropped]"
        kept = [safe_query(v, depth + 1) for v in value[:MAX_QUERY_ITEMS]]
        if len(value) > MAX_QUERY_ITEMS:
            kept.append(f"[{len(value) - MAX_QUERY_ITEMS} more items dropped]")
        return kept
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int):
        return value if -_INT64 <= value < _INT64 else str(value)[:MAX_QUERY_TEXT]
    if isinstance(value, float):
        return value if math.isfinite(value) else str(value)
    return str(value)[:MAX_QUERY_TEXT]


def _is_flat(query: dict[str, Any]) -> bool:
    return all(v is None or isinstance(v, str | int | float | bool) for v in query.values())


#: Data classes answered with reads at once.
READ_CLASSES: frozenset[str] = frozenset({"reads_hit", "reads_nonhit"})
#: Keys a reads query may hold.
READ_QUERY_KEYS: frozenset[str] = frozenset({"plate", "start", "end", "state"})


def _read_search(data: SharingRequestIn, case: str | None) -> PlateSearch | str:
    """The plate search a reads request asks for, or why it cannot be served."""
    if not _is_flat(data.query):
        return "query: a reads query is a flat object of plain values (no nested objects or lists)"
    unknown = sorted(set(data.query) - READ_QUERY_KEYS)
    if unknown:
        return f"query: unknown keys {', '.join(unknown)} (allowed: {', '.join(sorted(READ_QUERY_KEYS))})"
    plate = data.query.get("plate")
    if not isinstance(plate, str) or not plate.strip():
        return "query.plate: an exact plate is required"
    if any(ch in plate for ch in "*?%_"):
        return "query.plate: only exact plates are shared (no wildcards)"
    try:
        return PlateSearch(
            plate=plate,
            mode="exact",
            start=data.query.get("start"),
            end=data.query.get("end"),
            state=data.query.get("state"),
            purpose=data.purpose,
            case_number=case,
            limit=MAX_LIMIT,
        )
    except ValidationError as exc:
        first = exc.errors()[0]
        return f"query.{'.'.join(str(p) for p in first['loc'])}: {first['msg']}"


def _serve_reads(
    session: Session,
    search: PlateSearch,
    *,
    data_class: str,
    classes: frozenset[str],
    principal: Principal,
    settings: Settings,
) -> tuple[list[dict[str, Any]], bool]:
    """The reads the agency may receive for ``search``, and whether more exist than one answer holds."""
    found = investigations.search_plates(session, search, actor=principal, settings=settings)
    hits = repository.hit_flags(session, [r.id for r in found.items])
    want_hits = data_class == "reads_hit"
    wanted = [r for r in found.items if hits.get(r.id, False) == want_hits]
    with_images = "images" in classes
    out = []
    for r in wanted:
        item = r.model_dump(mode="json")
        if not with_images:
            item.pop("image_ref", None)
            item.pop("crop_ref", None)
        out.append(item)
    return out, found.next_cursor is not None


def handle_request(
    session: Session, data: SharingRequestIn, *, principal: Principal, settings: Settings
) -> SharingDecisionRead:
    """Decide one request from another agency against the policy (deny by default), answer it when allowed, and log
    it either way."""
    agency_code = (principal.unit or "").upper()
    row = repository.agency_by_code(session, agency_code) if agency_code else None
    policy = _policy(row)
    decision = decide_sharing(
        policy,
        purposes_by_code(service.purposes(session)),
        data_class=data.data_class,
        purpose=data.purpose,
        case_number=data.case_number,
    )
    case = (data.case_number or "").strip() or None
    search: PlateSearch | None = None
    if decision.allowed and data.data_class in READ_CLASSES:
        built = _read_search(data, case)
        if isinstance(built, str):
            decision = SharingDecision("deny", "invalid_query", built)
        else:
            try:  # beyond the purpose's case-free window, the case must be one on our record
                investigations.require_plate_scope(session, built)
            except investigations.SearchRefused as refused:
                decision = SharingDecision("deny", "case_required", refused.error.detail)
            else:
                search = built
    logged_query = safe_query(data.query)
    request = SharingRequest(
        at=utcnow(),
        agency_code=agency_code or "(none)",
        requested_by=principal.audit_name,
        data_class=data.data_class,
        purpose=data.purpose,
        case_number=case,
        query=logged_query,
        decision=decision.decision,
        reason=decision.reason[:255],
        result_count=None,
    )
    session.add(request)
    session.flush()
    results: list[dict[str, Any]] | None = None
    note = None
    if decision.allowed and search is not None and policy is not None:
        results, more = _serve_reads(
            session,
            search,
            data_class=data.data_class,
            classes=policy.data_classes,
            principal=principal,
            settings=settings,
        )
        request.result_count = len(results)
        if more:
            note = f"the first {MAX_LIMIT} reads were examined; narrow the time range (start, end) for the rest"
    elif decision.allowed:
        note = f"allowed under reference {request.id}; the records are sent under this reference"
    audit.record_for(
        session,
        principal,
        "sharing.request",
        target_type="sharing_request",
        target_id=str(request.id),
        details={
            "agency": agency_code or None,
            "data_class": data.data_class,
            "purpose": data.purpose,
            "case_number": case,
            "query": logged_query,
            "decision": decision.decision,
            "reason": decision.reason,
            "reason_code": decision.reason_code,
            "result_count": request.result_count,
        },
    )
    logger.info("sharing request %s from %s: %s (%s)", request.id, agency_code, decision.decision, decision.reason_code)
    return SharingDecisionRead(
        request_id=request.id,
        agency=agency_code,
        decision="allow" if decision.allowed else "deny",
        reason_code=decision.reason_code,
        reason=decision.reason,
        data_class=data.data_class,
        purpose=data.purpose,
        case_number=case,
        result_count=request.result_count,
        results=results,
        note=note,
    )


def list_requests(
    session: Session,
    *,
    actor: Actor,
    purpose: str | None,
    case_number: str | None = None,
    agency_code: str | None = None,
    decision: str | None = None,
    before: datetime | None = None,
    limit: int = 100,
) -> list[SharingRequestRead]:
    """Logged sharing requests, newest first, read under a purpose: one ``alpr.access`` record lists the plates the
    page shows (those the requests asked for, and those of the reads shared)."""
    if before is not None and before.utcoffset() is None:
        msg = "before: give a timezone (e.g. 2026-11-01T00:00:00Z)"
        raise ValidationFailed(msg, errors=[field_error("before", msg, where="query")])
    declared = access.check(session, purpose=purpose, case_number=case_number)
    rows = repository.sharing_requests(
        session, agency_code=agency_code.upper() if agency_code else None, decision=decision, before=before, limit=limit
    )
    items = [SharingRequestRead.model_validate(r) for r in rows]
    access.record(
        session,
        actor,
        surface="sharing.requests",
        purpose=declared,
        case_number=case_number,
        plates=[p for r in items for p in _plates_in(r.query)],
    )
    return items


def _plates_in(value: Any, depth: int = 0) -> list[str]:
    """The plate values a stored query holds (key ``plate``, at any depth it was stored to)."""
    if depth > MAX_QUERY_DEPTH or not isinstance(value, dict | list):
        return []
    if isinstance(value, list):
        return [p for v in value for p in _plates_in(v, depth + 1)]
    found = [v for k, v in value.items() if k == "plate" and isinstance(v, str)]
    return found + [p for v in value.values() for p in _plates_in(v, depth + 1)]
