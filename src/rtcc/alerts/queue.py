"""The alert queue as each role sees it: the filtered, paged list, one alert's detail (an audited access to ALPR data,
with every sighting), and whether a read belongs to an alert a person may see (the queue's way to a read's images).

What a principal sees follows ``logic.can_see``: with ``alerts:read`` every alert; with ``alerts:read_verified`` (field
units) only hits a person has verified, and what followed; camera-offline alerts with ``cameras:read``. An alert a
principal may not see is "not found", never "forbidden".
"""

from __future__ import annotations

import uuid

from sqlalchemy.orm import Session

from rtcc.alerts import present, repository
from rtcc.alerts.logic import FIELD_VISIBLE_STATES, can_see
from rtcc.alerts.schemas import AlertFilters, AlertPage, AlertRead, PageParams
from rtcc.audit import service as audit
from rtcc.core.errors import NotFound
from rtcc.governance import access
from rtcc.identity.logic import Perm, Principal


def list_alerts(
    session: Session,
    principal: Principal,
    filters: AlertFilters,
    page: PageParams,
    *,
    purpose: str | None,
    case_number: str | None = None,
) -> AlertPage:
    """A page of the alerts this principal may see, newest first (field units: verified hits only), shown under a
    purpose: one ``alpr.access`` record lists the page's plates (``governance.access``)."""
    declared = access.check(session, purpose=purpose, case_number=case_number)
    field_states = [s.value for s in FIELD_VISIBLE_STATES] if principal.can(Perm.alerts_read_verified) else []
    rows, total = repository.list_alerts(
        session,
        everything=principal.can(Perm.alerts_read),
        field_states=field_states,
        offline=principal.can(Perm.cameras_read),
        state=filters.state.value if filters.state else None,
        kind=filters.kind.value if filters.kind else None,
        since=filters.since,
        limit=page.limit,
        offset=page.offset,
    )
    items = present.to_reads(session, rows)
    access.record(
        session,
        principal,
        surface="alerts.list",
        purpose=declared,
        case_number=case_number,
        plates=[p for a in items for p in (a.plate_read, a.plate_listed)],
    )
    return AlertPage(items=items, total=total, limit=page.limit, offset=page.offset)


def get_alert(session: Session, principal: Principal, alert_id: uuid.UUID) -> AlertRead:
    """One alert with its read, entry, sightings and history; opening it is an audited access to ALPR data."""
    alert = repository.get_alert(session, alert_id)
    if alert is None or not can_see(principal, alert.kind, alert.state):
        raise NotFound(f"alert {alert_id} not found")
    audit.record(
        session,
        actor=principal.audit_name,
        actor_role=principal.role,
        action="alert.view",
        target_type="alert",
        target_id=str(alert.id),
        details={"kind": alert.kind, "state": alert.state},
    )
    return present.to_reads(session, [alert], with_sightings=True)[0]


def read_in_visible_alert(session: Session, principal: Principal, read_id: uuid.UUID) -> bool:
    """True when ``read_id`` is a read (first, latest or a sighting) of an alert ``principal`` may see: the alert
    queue's way to a read's images. A field unit sees only hits a person has verified (``logic.can_see``)."""
    return any(can_see(principal, kind, state) for kind, state in repository.alerts_of_read(session, read_id))
