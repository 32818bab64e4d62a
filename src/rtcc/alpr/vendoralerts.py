"""The sensors' own hotlist alerts (an OpenALPR/Rekor agent's ``alpr_alert``): stored beside the read they are about
and shown to analysts, never turned into our alerts.

Decision: a table of their own (``alpr_vendor_alerts``), not a flag on the read and not a row of ``alerts``. Our
hotlists and matching stay the source of truth for hits (a vendor's list may be stale, foreign or differently
scoped); the agent's alert is evidence an analyst sees next to the read ("the camera's own list X flagged this"), and
a read may carry several of them (several lists). An alert is linked by the id its read has (``logic.stored_read_key``
of the alert's group: same camera, same group uuid), so the link holds whichever of the ``alpr_group`` and the
``alpr_alert`` arrives first, and the alert is stored even when its read is a duplicate of the group already stored.
Its own id is derived from the read and the list, so a resent alert is stored once. Listing them is an access to
ALPR data (plates) and is audited.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.orm import Session

from rtcc.alpr import logic, repository
from rtcc.alpr.logic import VendorAlert
from rtcc.alpr.schemas import VendorAlertPage, VendorAlertRead
from rtcc.audit import service as audit
from rtcc.identity.logic import Principal

#: Namespace of vendor alert ids (uuid5 of ``<read id>|<list>|<list type>``).
VENDOR_ALERT_NAMESPACE = uuid.UUID("0b8e9d3a-5c2f-5e61-8a47-3d9c1f6e2b70")


def vendor_alert_id(read_id: uuid.UUID, alert: VendorAlert) -> uuid.UUID:
    """The idempotency key of a vendor alert: its read and its list."""
    return uuid.uuid5(VENDOR_ALERT_NAMESPACE, f"{read_id}|{alert.alert_list or ''}|{alert.list_type or ''}")


def store(session: Session, alerts: Sequence[VendorAlert], *, source: str, received_at: datetime) -> int:
    """Store the vendor alerts whose read is stored (a refused read's document is dead-lettered whole, alert
    included, so a replay stores both); returns how many are new."""
    if not alerts:
        return 0
    linked = [(uuid.UUID(bytes=logic.stored_read_key(a.read)), a) for a in alerts]
    stored = repository.existing_read_ids(session, [rid for rid, _ in linked])
    cameras = repository.cameras_by_code(session, [a.read.camera_code for _, a in linked])
    rows: list[dict[str, Any]] = []
    for rid, a in linked:
        camera_id = cameras.get(a.read.camera_code)
        if rid not in stored or camera_id is None:
            continue
        rows.append(
            {
                "id": vendor_alert_id(rid, a),
                "read_id": rid,
                "camera_id": camera_id,
                "plate": a.plate or a.read.plate[:16],
                "alert_list": a.alert_list,
                "list_type": a.list_type,
                "description": a.description,
                "site_name": a.site_name,
                "camera_name": a.camera_name,
                "agent_uid": a.read.agent_uid,
                "source": source[:16],
                "observed_at": a.read.observed_at.astimezone(UTC),
                "received_at": received_at,
            }
        )
    return repository.insert_vendor_alerts(session, rows)


def list_vendor_alerts(
    session: Session,
    *,
    actor: Principal,
    read_ids: Sequence[uuid.UUID] | None = None,
    limit: int = 50,
    offset: int = 0,
) -> VendorAlertPage:
    """Vendor alerts, newest first, optionally only those of some reads. They hold plates: audited
    (``alpr.vendor_alerts.list``, counts only)."""
    items, total = repository.list_vendor_alerts(session, read_ids=read_ids, limit=limit, offset=offset)
    audit.record_for(
        session,
        actor,
        "alpr.vendor_alerts.list",
        target_type="alpr_vendor_alert",
        details={"reads": len(read_ids) if read_ids is not None else None, "returned": len(items), "offset": offset},
    )
    return VendorAlertPage(
        items=[
            VendorAlertRead(
                id=v.id,
                read_id=v.read_id,
                camera_id=v.camera_id,
                camera_code=code,
                plate=v.plate,
                alert_list=v.alert_list,
                list_type=v.list_type,
                description=v.description,
                site_name=v.site_name,
                camera_name=v.camera_name,
                agent_uid=v.agent_uid,
                source=v.source,
                observed_at=v.observed_at,
                received_at=v.received_at,
            )
            for v, code in items
        ],
        total=total,
        limit=limit,
        offset=offset,
    )
