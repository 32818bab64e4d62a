"""Frigate NVR licence-plate messages over MQTT, so a business's or resident's Frigate can share plate reads.

Two topics carry plates (format facts from Frigate's MQTT documentation):
- ``<frigate prefix>/events`` (``type`` new/update/end): the tracked object in ``after`` carries
  ``recognized_license_plate`` and ``recognized_license_plate_score`` once Frigate's LPR has read a plate. A read is
  emitted only when a plate is present, at ``after.frame_time`` (else ``start_time``).
- ``<frigate prefix>/tracked_object_update`` with ``type: "lpr"``: ``plate``, ``score``, ``camera``,
  ``timestamp``, ``id``. Other update types (descriptions, faces…) are not reads and are ignored.

Idempotency: the read's reference is ``<event id>:<normalised plate>``, so the many ``update`` messages of one
event, its ``end`` message and the matching ``lpr`` update are stored once, while a changed plate reading of the
same event is a separate read. Scores (0..1) are stored in percent. The camera code is ``frigate:<camera name>``.
Frigate's ``name``/``sub_label`` (a known owner's name) is personal data and is not kept.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from rtcc.alpr import logic
from rtcc.alpr.logic import DocumentError, NormalizedRead, Origin, ParsedDocument, Rejection
from rtcc.core import plates

CAMERA_PREFIX = "frigate:"
_EVENT_TYPES = ("new", "update", "end")


def camera_code(camera: str) -> str:
    """The camera code of a Frigate camera name."""
    return f"{CAMERA_PREFIX}{camera}"


def _plate_read(
    *, event_id: Any, camera: Any, plate: Any, score: Any, at: Any, at_field: str, origin: Origin, loc: str
) -> NormalizedRead | Rejection:
    def field(name: str) -> str:
        return f"{loc}.{name}" if loc else name

    if not isinstance(camera, str) or not camera:
        return Rejection(0, field("camera"), "the message names no camera", "invalid", origin)
    if not isinstance(plate, str) or not plate.strip():
        return Rejection(0, field("plate"), "the message carries no plate", "invalid", origin)
    try:
        observed_at = logic.epoch_to_datetime(at)
    except (TypeError, ValueError) as exc:
        return Rejection(0, field(at_field), str(exc), "invalid", origin)
    try:
        confidence = logic.confidence_percent(float(score) if score is not None else None)
    except (TypeError, ValueError) as exc:
        return Rejection(0, field("score"), str(exc), "invalid", origin)
    ref = f"{event_id}:{plates.normalise(plate)}" if event_id else None
    return NormalizedRead(
        camera_code=camera_code(camera)[:64],
        plate=plate.strip(),
        observed_at=observed_at,
        confidence=confidence,
        source_ref=ref,
        loc=loc,
        index=0,
        origin=origin,
    )


def parse_frigate_event(topic: str, doc: Any, *, origin: Origin | None = None) -> ParsedDocument:
    """A ``frigate/events`` message: one read when ``after`` carries a recognised plate, else nothing."""
    if not isinstance(doc, dict):
        raise DocumentError("a Frigate event must be a JSON object")
    kind = doc.get("type")
    if kind not in _EVENT_TYPES:
        raise DocumentError(f"Frigate event type {str(kind)[:20]!r} is not one of new, update, end")
    after = doc.get("after")
    if not isinstance(after, Mapping):
        raise DocumentError("Frigate event without an 'after' object")
    out = ParsedDocument(kind="frigate_event")
    plate = after.get("recognized_license_plate")
    if plate is None or (isinstance(plate, str) and not plate.strip()):
        out.kind = "ignored"
        return out
    origin = origin or Origin("frigate", doc, {"channel": "frigate_event", "topic": topic})
    at_field = "after.frame_time" if after.get("frame_time") is not None else "after.start_time"
    result = _plate_read(
        event_id=after.get("id"),
        camera=after.get("camera"),
        plate=plate,
        score=after.get("recognized_license_plate_score"),
        at=after.get("frame_time") if after.get("frame_time") is not None else after.get("start_time"),
        at_field=at_field,
        origin=origin,
        loc="after",
    )
    if isinstance(result, Rejection):
        out.problems.append(result)
    else:
        out.reads.append(result)
    return out


def parse_frigate_lpr_update(doc: Any, *, origin: Origin | None = None, topic: str = "") -> ParsedDocument:
    """A ``frigate/tracked_object_update`` message: one read for ``type: "lpr"``, nothing for other types."""
    if not isinstance(doc, dict):
        raise DocumentError("a Frigate tracked-object update must be a JSON object")
    out = ParsedDocument(kind="frigate_lpr")
    if doc.get("type") != "lpr":
        out.kind = "ignored"
        return out
    origin = origin or Origin("frigate", doc, {"channel": "frigate_lpr", "topic": topic})
    result = _plate_read(
        event_id=doc.get("id"),
        camera=doc.get("camera"),
        plate=doc.get("plate"),
        score=doc.get("score"),
        at=doc.get("timestamp"),
        at_field="timestamp",
        origin=origin,
        loc="",
    )
    if isinstance(result, Rejection):
        out.problems.append(result)
    else:
        out.reads.append(result)
    return out
