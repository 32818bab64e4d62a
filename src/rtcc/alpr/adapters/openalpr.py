"""OpenALPR / Rekor Scout agent documents (the agent's HTTP POST "webhook"), parsed into reads, heartbeats and
vehicle updates. Format facts come from the published OpenALPR documentation samples; unknown fields are ignored
(a vendor format we must tolerate).

Document kinds (``data_type``):
- ``alpr_group`` (versions 1-3): one vehicle pass. The read is the best plate (``best_plate_number`` /
  ``best_plate``), seen at ``epoch_start`` (ms), with ``best_region``, ``best_confidence``, the candidates,
  ``gps_latitude``/``gps_longitude``, ``travel_direction`` and the ``vehicle`` attributes (highest-confidence name
  of each list). Its idempotency reference is ``best_uuid`` (else the first of ``uuids``).
- ``alpr_results``: one frame; each entry of ``results`` is a read (its own ``epoch_time`` when given, else the
  document's), referenced as ``<uuid>#<plate_index>``. Older CLI/alprd output without ``data_type`` but with
  ``results`` is read the same way.
- ``alpr_alert``: the agent's own hotlist alert. The read is taken from its ``group`` (else from ``plate_number``,
  ``epoch_time``, ``camera_number``), so it has the id of that group's read whichever of the two arrives first;
  the agent's alert (list name, type, description) becomes a ``VendorAlert`` stored beside the read (never one of
  our alerts: we still match against our own hotlists, which stay the source of truth).
- The agent's camera label (``web_server_config.camera_label``, else ``camera_label``/``camera_name``) is kept on
  each read as ``camera_label``.
- ``heartbeat``: agent health; one heartbeat per entry of ``video_streams`` (or ``cameras``) with its
  ``is_streaming`` and ``last_update``; without streams, one heartbeat for every camera of the ``agent_uid``.
- ``vehicle``: vehicle attributes for a read sent before, found again through its ``best_uuid``/``uuids``.
  (Decision: if no such read is stored, the document becomes a dead letter "vehicle document for unknown read", so
  it can be replayed once the read has arrived.)

Camera codes: an agent camera is ``openalpr:<camera_id>`` (else ``openalpr:<site_id>``); register cameras under that
code (or let a key with ``*`` scope auto-register them). A document without either uses ``default_camera`` (the
webhook's ``?camera=`` or a single-camera API key), else it is refused.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from rtcc.alpr import logic
from rtcc.alpr.adapters.openalpr_vehicle import _num, _present, split_make_model, vehicle_attributes
from rtcc.alpr.logic import (
    DocumentError,
    Heartbeat,
    NormalizedRead,
    Origin,
    ParsedDocument,
    ReadImage,
    Rejection,
    VehicleUpdate,
    VendorAlert,
)

__all__ = [
    "DEFAULT_MAX_IMAGE_BYTES",
    "camera_code",
    "camera_label",
    "parse_openalpr",
    "split_make_model",
    "vehicle_attributes",
]

CAMERA_PREFIX = "openalpr:"
_MAX_CANDIDATES = 20
#: Largest decoded image accepted when the caller names no limit (the service passes ``RTCC_ALPR_IMAGE_MAX_BYTES``).
DEFAULT_MAX_IMAGE_BYTES = 2 * 1024 * 1024


def camera_code(camera_id: Any) -> str:
    """The camera code of an OpenALPR camera id."""
    return f"{CAMERA_PREFIX}{camera_id}"


def _camera(doc: Mapping[str, Any], default_camera: str | None, *keys: str) -> str:
    for key in (*keys, "camera_id", "site_id"):
        value = doc.get(key)
        if _present(value) and not isinstance(value, dict | list):
            return camera_code(value)
    if default_camera:
        return default_camera
    raise DocumentError("the document names no camera_id or site_id; send ?camera=CODE or use a one-camera key")


def camera_label(doc: Mapping[str, Any]) -> str | None:
    """What the agent calls the camera: Rekor Scout's ``web_server_config.camera_label``, else a ``camera_label``
    or ``camera_name`` field (alerts and heartbeat streams carry ``camera_name``); None when it sends none."""
    config = doc.get("web_server_config")
    if isinstance(config, dict) and _present(config.get("camera_label")):
        return logic.clip(config["camera_label"], 128)
    for key in ("camera_label", "camera_name"):
        value = doc.get(key)
        if _present(value) and not isinstance(value, dict | list):
            return logic.clip(value, 128)
    return None


def _candidates(values: Any) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    if not isinstance(values, list):
        return out
    for item in values[:_MAX_CANDIDATES]:
        if isinstance(item, dict) and _present(item.get("plate")):
            conf = _num(item.get("confidence"))
            try:
                pct = logic.confidence_percent(conf)
            except ValueError:
                pct = None
            out.append({"plate": str(item["plate"])[:16], "confidence": pct})
    return out


def _position(doc: Mapping[str, Any]) -> tuple[float | None, float | None]:
    lat, lon = _num(doc.get("gps_latitude")), _num(doc.get("gps_longitude"))
    if lat is None or lon is None or (lat == 0 and lon == 0) or not (-90 <= lat <= 90 and -180 <= lon <= 180):
        return None, None  # 0,0 is the agent's "no GPS"
    return lat, lon


def _read(
    *,
    plate: Any,
    epoch: Any,
    epoch_field: str,
    camera: str,
    index: int,
    loc: str,
    origin: Origin,
    region: Any = None,
    confidence: Any = None,
    candidates: Any = None,
    vehicle: Any = None,
    position: tuple[float | None, float | None] = (None, None),
    heading: Any = None,
    source_ref: str | None = None,
    agent_uid: str | None = None,
    image_ref: str | None = None,
    label: str | None = None,
) -> NormalizedRead | Rejection:
    def field(name: str) -> str:
        return f"{loc}.{name}" if loc else name

    if not _present(plate) or not isinstance(plate, str | int):
        return Rejection(index, field("plate"), "the document carries no plate", "invalid", origin)
    if not _present(epoch):
        return Rejection(index, field(epoch_field), "the document carries no time", "invalid", origin)
    try:
        observed_at = logic.epoch_to_datetime(epoch)
    except (TypeError, ValueError) as exc:
        return Rejection(index, field(epoch_field), str(exc), "invalid", origin)
    try:
        conf = logic.confidence_percent(_num(confidence))
    except ValueError as exc:
        return Rejection(index, field("confidence"), str(exc), "invalid", origin)
    head = _num(heading)
    attrs = vehicle_attributes(vehicle)
    cands = _candidates(candidates)
    return NormalizedRead(
        camera_code=camera,
        plate=str(plate),
        observed_at=observed_at,
        region=logic.normalise_region(region if isinstance(region, str) else None),
        confidence=conf,
        lat=position[0],
        lon=position[1],
        heading=head if head is not None and 0 <= head < 360 else None,
        vehicle_make=attrs["make"],
        vehicle_model=attrs["model"],
        vehicle_color=attrs["color"],
        vehicle_type=attrs["type"],
        image_ref=image_ref,
        candidates=cands or None,
        source_ref=source_ref,
        loc=loc,
        agent_uid=agent_uid,
        index=index,
        origin=origin,
        camera_label=label,
    )


def _take_images(out: ParsedDocument, read: NormalizedRead, crops: list[tuple[str, str, Any]], max_bytes: int) -> None:
    """Decode the read's base64 JPEGs (``(kind, field, value)``; blank values are absent) into ``out.images`` and
    point its refs at them; a refused image goes to ``out.image_problems`` naming its field (the read stays)."""
    for kind, name, value in crops:
        if not _present(value):
            continue
        try:
            data = logic.decode_jpeg(value, max_bytes)
        except ValueError as exc:
            out.image_problems.append(Rejection(read.index, name, str(exc), "image", read.origin))
            continue
        key = logic.image_key(logic.sha256_hex(data))
        if kind == "crop":
            read.crop_ref = key
        else:
            read.image_ref = key
        out.images.append(ReadImage(read, kind, key, data))


def _group_crops(g: Mapping[str, Any], loc: str) -> list[tuple[str, str, Any]]:
    def field(name: str) -> str:
        return f"{loc}.{name}" if loc else name

    best = g.get("best_plate")
    if isinstance(best, dict) and _present(best.get("plate_crop_jpeg")):
        plate = ("crop", field("best_plate.plate_crop_jpeg"), best.get("plate_crop_jpeg"))
    else:
        plate = ("crop", field("plate_crop_jpeg"), g.get("plate_crop_jpeg"))
    return [plate, ("vehicle", field("vehicle_crop_jpeg"), g.get("vehicle_crop_jpeg"))]


def _group(
    g: Mapping[str, Any], *, camera: str, loc: str, origin: Origin, agent_uid: str | None, label: str | None
) -> NormalizedRead | Rejection:
    best_plate = g.get("best_plate")
    best: Mapping[str, Any] = best_plate if isinstance(best_plate, dict) else {}
    listed = g.get("uuids")
    uuids: list[Any] = listed if isinstance(listed, list) else []
    ref = g.get("best_uuid") if _present(g.get("best_uuid")) else (uuids[0] if uuids else None)
    epoch_field = "epoch_start" if _present(g.get("epoch_start")) else "epoch_time"
    return _read(
        plate=g.get("best_plate_number") or best.get("plate"),
        epoch=g.get("epoch_start") or g.get("epoch_time"),
        epoch_field=epoch_field,
        camera=camera,
        index=0,
        loc=loc,
        origin=origin,
        region=g.get("best_region") or best.get("region"),
        confidence=g.get("best_confidence") if _present(g.get("best_confidence")) else best.get("confidence"),
        candidates=best.get("candidates") or g.get("candidates"),
        vehicle=g.get("vehicle"),
        position=_position(g),
        heading=g.get("travel_direction"),
        source_ref=str(ref) if ref else None,
        agent_uid=agent_uid,
        image_ref=f"openalpr:{ref}" if ref else None,
        label=label,
    )


def _add(out: ParsedDocument, result: NormalizedRead | Rejection) -> None:
    if isinstance(result, Rejection):
        out.problems.append(result)
    else:
        out.reads.append(result)


def _agent(doc: Mapping[str, Any]) -> str | None:
    uid = doc.get("agent_uid")
    return str(uid)[:128] if _present(uid) else None


def _parse_group(
    doc: Mapping[str, Any], origin: Origin, default_camera: str | None, max_image_bytes: int
) -> ParsedDocument:
    out = ParsedDocument(kind="alpr_group")
    camera = _camera(doc, default_camera)
    result = _group(doc, camera=camera, loc="", origin=origin, agent_uid=_agent(doc), label=camera_label(doc))
    _add(out, result)
    if isinstance(result, NormalizedRead):
        _take_images(out, result, _group_crops(doc, ""), max_image_bytes)
    return out


def _parse_results(
    doc: Mapping[str, Any], origin: Origin, default_camera: str | None, kind: str, max_image_bytes: int
) -> ParsedDocument:
    results = doc.get("results")
    if not isinstance(results, list):
        raise DocumentError("alpr_results without a 'results' array")
    camera = _camera(doc, default_camera)
    label = camera_label(doc)
    frame = doc.get("uuid") if _present(doc.get("uuid")) else None
    out = ParsedDocument(kind=kind)
    for i, r in enumerate(results):
        loc = f"results.{i}"
        if not isinstance(r, dict):
            out.problems.append(Rejection(i, loc, "a result must be a JSON object", "invalid", origin))
            continue
        plate_index = r.get("plate_index", i)
        ref = f"{frame}#{plate_index}" if frame else None
        epoch_here = _present(r.get("epoch_time"))
        result = _read(
            plate=r.get("plate"),
            epoch=r.get("epoch_time") if epoch_here else doc.get("epoch_time"),
            epoch_field=f"{loc}.epoch_time" if epoch_here else "epoch_time",
            camera=camera,
            index=i,
            loc=loc,
            origin=origin,
            region=r.get("region"),
            confidence=r.get("confidence"),
            candidates=r.get("candidates"),
            vehicle=r.get("vehicle"),
            position=_position(doc),
            source_ref=ref,
            agent_uid=_agent(doc),
            image_ref=f"openalpr:{frame}" if frame else None,
            label=label,
        )
        _add(out, result)
        if isinstance(result, NormalizedRead):
            crop = [("crop", f"{loc}.plate_crop_jpeg", r.get("plate_crop_jpeg"))]
            _take_images(out, result, crop, max_image_bytes)
    return out


def _parse_alert(
    doc: Mapping[str, Any], origin: Origin, default_camera: str | None, max_image_bytes: int
) -> ParsedDocument:
    out = ParsedDocument(kind="alpr_alert")
    group = doc.get("group")
    label = camera_label(doc)
    if isinstance(group, dict) and group:
        own = any(_present(group.get(k)) for k in ("camera_id", "site_id"))
        camera = _camera(group, None) if own else _camera(doc, default_camera, "camera_number")
        agent = _agent(doc) or _agent(group)
        result = _group(
            group, camera=camera, loc="group", origin=origin, agent_uid=agent, label=camera_label(group) or label
        )
    else:
        result = _read(
            plate=doc.get("plate_number"),
            epoch=doc.get("epoch_time"),
            epoch_field="epoch_time",
            camera=_camera(doc, default_camera, "camera_number"),
            index=0,
            loc="",
            origin=origin,
            agent_uid=_agent(doc),
            label=label,
        )
    _add(out, result)
    if isinstance(result, NormalizedRead):
        if isinstance(group, dict) and group:
            _take_images(out, result, _group_crops(group, "group"), max_image_bytes)
        out.vendor_alerts.append(
            VendorAlert(
                read=result,
                alert_list=logic.clip(doc.get("alert_list"), 128),
                list_type=logic.clip(doc.get("list_type"), 64),
                description=logic.clip(doc.get("description"), 255),
                plate=logic.clip(doc.get("plate_number"), 16),
                site_name=logic.clip(doc.get("site_name"), 128),
                camera_name=label,
            )
        )
    return out


def _parse_heartbeat(doc: Mapping[str, Any], origin: Origin, default_camera: str | None) -> ParsedDocument:
    out = ParsedDocument(kind="heartbeat")
    agent = _agent(doc)
    streams: list[Any] = []
    for key in ("video_streams", "cameras"):
        value = doc.get(key)
        if isinstance(value, list):
            streams = value
            break
    agent_info = {k: doc[k] for k in ("agent_version", "agent_type", "openalpr_version") if _present(doc.get(k))}
    doc_time = doc.get("timestamp") or doc.get("epoch_time")
    for i, s in enumerate(streams):
        if not isinstance(s, dict) or not _present(s.get("camera_id")):
            reason = "a stream without camera_id"
            out.problems.append(Rejection(i, f"video_streams.{i}.camera_id", reason, "invalid", origin))
            continue
        epoch = s.get("last_update") or doc_time
        try:
            at = logic.epoch_to_datetime(epoch)
        except (TypeError, ValueError) as exc:
            out.problems.append(Rejection(i, f"video_streams.{i}.last_update", str(exc), "invalid", origin))
            continue
        info = dict(agent_info)
        for key in ("fps", "last_plate_read"):
            if _present(s.get(key)):
                info[key] = s[key]
        streaming = s.get("is_streaming")
        lat, lon = _position(s)
        out.heartbeats.append(
            Heartbeat(
                camera_code=camera_code(s["camera_id"]),
                at=at,
                streaming=streaming if isinstance(streaming, bool) else None,
                agent_uid=agent,
                name=logic.clip(s.get("camera_name"), 128),
                lat=lat,
                lon=lon,
                info=info,
            )
        )
    if not streams:
        if not agent and not default_camera:
            raise DocumentError("heartbeat names no agent_uid and no video_streams")
        try:
            at = logic.epoch_to_datetime(doc_time)
        except (TypeError, ValueError) as exc:
            raise DocumentError(f"heartbeat timestamp: {exc}") from None
        out.heartbeats.append(Heartbeat(camera_code=default_camera or "", at=at, agent_uid=agent, info=agent_info))
    return out


def _parse_vehicle(doc: Mapping[str, Any], default_camera: str | None) -> ParsedDocument:
    refs: list[str] = []
    for key in ("best_uuid", "uuid"):
        if _present(doc.get(key)):
            refs.append(str(doc[key]))
    if isinstance(doc.get("uuids"), list):
        refs.extend(str(u) for u in doc["uuids"] if _present(u))
    if not refs:
        raise DocumentError("vehicle document without best_uuid/uuids: it cannot be tied to a read")
    attrs = vehicle_attributes(doc.get("vehicle"))
    if not any(attrs.values()):
        raise DocumentError("vehicle document carries no vehicle attributes")
    out = ParsedDocument(kind="vehicle")
    out.vehicle_updates.append(
        VehicleUpdate(
            camera_code=_camera(doc, default_camera),
            source_refs=tuple(dict.fromkeys(refs)),
            make=attrs["make"],
            model=attrs["model"],
            color=attrs["color"],
            type=attrs["type"],
        )
    )
    return out


def parse_openalpr(
    doc: Any,
    *,
    origin: Origin | None = None,
    default_camera: str | None = None,
    max_image_bytes: int = DEFAULT_MAX_IMAGE_BYTES,
) -> ParsedDocument:
    """Parse one agent document; DocumentError when it cannot be understood as a whole (unknown type, no camera).
    Images larger than ``max_image_bytes`` (decoded) are refused."""
    if not isinstance(doc, dict):
        raise DocumentError("an OpenALPR document must be a JSON object")
    origin = origin or Origin("openalpr", doc, {"channel": "openalpr"})
    data_type = doc.get("data_type")
    if doc.get("openalpr_webhook") == "test":
        return ParsedDocument(kind="test")
    if data_type == "alpr_group":
        return _parse_group(doc, origin, default_camera, max_image_bytes)
    if data_type == "alpr_results":
        return _parse_results(doc, origin, default_camera, "alpr_results", max_image_bytes)
    if data_type == "alpr_alert":
        return _parse_alert(doc, origin, default_camera, max_image_bytes)
    if data_type == "heartbeat":
        return _parse_heartbeat(doc, origin, default_camera)
    if data_type == "vehicle":
        return _parse_vehicle(doc, default_camera)
    if data_type is None and isinstance(doc.get("results"), list):
        return _parse_results(doc, origin, default_camera, "alpr_results", max_image_bytes)
    if data_type is None:
        raise DocumentError("not an OpenALPR document: no data_type and no results")
    raise DocumentError(
        f"unknown data_type {str(data_type)[:40]!r} (expected alpr_group, alpr_results, alpr_alert, heartbeat, vehicle)"
    )
