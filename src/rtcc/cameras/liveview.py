"""Opening a live-linked camera's stream during an active incident (the registry's live view rule).

Only law-enforcement roles hold ``liveview:open`` (city programme staff do not). A live-linked camera's URLs are
handed out only for an incident the caller can show: an ``alert_id`` of an open hit alert (not rejected or closed)
that the caller may see, a ``call_id`` of an open call for service the caller may see (``dispatch.queries``), or a
``case_number`` that is on record (``governance.cases``: a CAD call or hotlist entry under it) together with a
``purpose`` that governance accepts. A made-up case number opens nothing. Each opening is written to the owner's
access log and audited. Everywhere else (lists, the camera's page, canvass) the URLs are withheld
(``rtcc.cameras.service.to_read``).
"""

from __future__ import annotations

import uuid

from sqlalchemy.orm import Session

from rtcc.alerts import queue as alerts_queue
from rtcc.alerts.logic import TERMINAL
from rtcc.audit import service as audit
from rtcc.cameras.schemas import LiveView
from rtcc.cameras.service import camera_row, log_access
from rtcc.core.errors import NotFound, PermissionDenied, invalid
from rtcc.dispatch import queries as dispatch_queries
from rtcc.governance import cases
from rtcc.governance import service as governance
from rtcc.identity.logic import Principal


def open_live(
    session: Session,
    camera_id: uuid.UUID,
    *,
    actor: Principal,
    alert_id: uuid.UUID | None,
    purpose: str | None,
    case_number: str | None,
    call_id: uuid.UUID | None = None,
) -> LiveView:
    """A live-linked camera's URLs, only during an active incident (open alert or call, or a case on record with a
    purpose); logged."""
    cam = camera_row(session, camera_id)
    if cam.sharing_level != "live_linked":
        raise PermissionDenied(f"camera {cam.code} is not live-linked (sharing level: {cam.sharing_level})")
    if alert_id is not None:
        try:
            alert = alerts_queue.get_alert(session, actor, alert_id)
        except NotFound as exc:
            raise invalid("alert_id", "no such alert") from exc
        if alert.kind != "hit" or alert.state in {s.value for s in TERMINAL}:
            raise PermissionDenied("alert_id: the alert is not an open incident")
        incident = f"alert:{alert_id}"
    elif call_id is not None:
        if not dispatch_queries.open_call_visible(session, actor, call_id):
            raise invalid("call_id", "no open call you may see")
        incident = f"call:{call_id}"
    elif case_number:
        if not purpose:
            raise invalid("purpose", "give the purpose with the case number")
        governance.require_purpose(session, purpose=purpose, case_number=case_number)
        case_number = cases.require_case(session, case_number, why="a live view needs a real case")
        incident = f"case:{case_number}"
    else:
        raise invalid("case_number", "give an open alert_id or call_id, or a case_number on record with a purpose")
    details = {"incident": incident, "purpose": purpose, "case_number": case_number}
    log_access(session, cam.id, actor=actor, action="live.view", details=details)
    audit.record_for(
        session, actor, "registry.live.open", target_type="registry_camera", target_id=str(cam.id),
        details={"code": cam.code, **details},
    )  # fmt: skip
    return LiveView(
        camera_id=cam.id,
        code=cam.code,
        stream_url=cam.stream_url,
        snapshot_url=cam.snapshot_url,
        incident=incident,
        purpose=purpose,
        case_number=case_number,
        alert_id=alert_id,
    )
