"""The native read format (REST ``POST /api/v1/reads``, MQTT ``<prefix>/alpr/<camera>``, JSONL lines).

A document is either one read object (``ReadIn``), a batch ``{"reads": [ReadIn, ...]}``, or a JSON array of reads.
Each item is judged on its own, so one malformed read is refused with its field and reason while the others of
the batch are stored. Every item keeps its own ``Origin`` so a refused one becomes a dead letter that can be
replayed alone. A batch is first validated whole in one pydantic-core call (``schemas.NATIVE_BATCH``, the same
constraints as ``ReadIn`` without a model per read); only when that refuses something is it validated again item
by item through ``ReadIn``, which names every fault, so both paths accept and refuse exactly the same reads.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import ValidationError

from rtcc.alpr.logic import (
    IMAGE_PREFIX,
    DocumentError,
    Heartbeat,
    NormalizedRead,
    Origin,
    ParsedDocument,
    Rejection,
    normalise_region,
)
from rtcc.alpr.schemas import NATIVE_BATCH, HeartbeatIn, ReadIn

#: Refs under our image store's folder, which only the server assigns (to images it stored itself).
_STORE = IMAGE_PREFIX + "/"


def _join(loc: str, parts: tuple[int | str, ...]) -> str:
    tail = ".".join(str(p) for p in parts)
    if not loc:
        return tail or "body"
    return f"{loc}.{tail}" if tail else loc


def validate_item(
    item: Any,
    *,
    index: int,
    loc: str,
    origin: Origin,
    default_camera: str | None = None,
    topic_camera: str | None = None,
) -> NormalizedRead | list[Rejection]:
    """Validate one native read (a JSON object); the read, or the rejections naming each field at fault."""
    if not isinstance(item, dict):
        return [Rejection(index, loc or "body", "a read must be a JSON object", "invalid", origin)]
    camera = item.get("camera")
    if topic_camera is not None:
        if camera is not None and camera != topic_camera:
            reason = f"read names camera {camera!r} but was published on the topic of camera {topic_camera!r}"
            return [Rejection(index, _join(loc, ("camera",)), reason, "camera", origin)]
        if camera is None:
            item = {**item, "camera": topic_camera}
    elif camera is None and default_camera is not None:
        item = {**item, "camera": default_camera}
    try:
        model = ReadIn.model_validate(item)
    except ValidationError as exc:
        return [
            Rejection(index, _join(loc, tuple(err["loc"])), str(err["msg"]), "invalid", origin)
            for err in exc.errors(include_url=False)
        ]
    read = model.to_normalized(loc)
    read.index = index
    read.origin = origin
    return read


def validate_batch(items: list[Any], *, source: str, ctx: dict[str, Any], prefix: str) -> list[NormalizedRead] | None:
    """All items of a batch as reads, validated in one call; None when any item would be refused (the caller then
    validates item by item, which names each fault)."""
    try:
        checked = NATIVE_BATCH.validate_python(items)
    except ValidationError:
        return None
    out: list[NormalizedRead] = []
    append = out.append
    regions: dict[str, str | None] = {}  # a batch repeats a few region codes
    for i, d in enumerate(checked):
        observed = d["observed_at"]
        if observed.tzinfo is None or observed.utcoffset() is None:
            return None  # ReadIn refuses it ("timestamp has no timezone")
        raw_region = d.get("region")
        region = None
        if raw_region is not None:
            region = regions[raw_region] if raw_region in regions else normalise_region(raw_region)
            if region is None and raw_region.strip():
                return None  # ReadIn refuses it (not a region code)
            regions[raw_region] = region
        confidence = d.get("confidence")
        if confidence is not None:  # confidence_percent inline: NATIVE_BATCH has checked 0 <= it <= 100 already
            confidence = float(confidence)
            if confidence <= 1.0:
                confidence *= 100.0
        vehicle = d.get("vehicle")
        if vehicle:
            make, model, color, body = (
                vehicle.get("make"),
                vehicle.get("model"),
                vehicle.get("color"),
                vehicle.get("type"),
            )
        else:
            make = model = color = body = None
        image_ref, crop_ref = d.get("image_ref"), d.get("crop_ref")
        if (image_ref is not None and image_ref.startswith(_STORE)) or (
            crop_ref is not None and crop_ref.startswith(_STORE)
        ):
            return None  # ReadIn refuses it (refs into our image store are the server's to assign)
        candidates = d.get("candidates")
        loc = f"{prefix}{i}"
        # positional for speed, in NormalizedRead's field order (a test holds this equal to ReadIn.to_normalized)
        append(
            NormalizedRead(
                d["camera"],
                d["plate"],
                observed,
                region,
                confidence,
                d.get("lat"),
                d.get("lon"),
                d.get("heading"),
                make,
                model,
                color,
                body,
                image_ref,
                crop_ref,
                [{"plate": c["plate"], "confidence": c.get("confidence")} for c in candidates] if candidates else None,
                d.get("id"),
                loc,
                None,
                i,
                Origin(source, items[i], ctx, loc),
            )
        )
    return out


def parse_native(
    doc: Any,
    *,
    source: str,
    context: dict[str, Any] | None = None,
    raw_text: str | None = None,
    default_camera: str | None = None,
    topic_camera: str | None = None,
    max_batch: int | None = None,
) -> ParsedDocument:
    """Parse a native document (one read, ``{"reads": [...]}`` or ``[...]``) into reads and per-item rejections.

    ``raw_text`` is the received text of a single-read document (kept verbatim in its dead letter); batch items are
    kept as their own JSON. Raises DocumentError when the document's shape is wrong as a whole.
    """
    ctx = dict(context or {})
    ctx.setdefault("channel", "native")
    if default_camera is not None:
        ctx.setdefault("default_camera", default_camera)
    if topic_camera is not None:
        ctx.setdefault("camera", topic_camera)
    if isinstance(doc, dict) and "reads" in doc:
        extra = sorted(k for k in doc if k != "reads")
        if extra:
            raise DocumentError(f"unexpected field(s) next to 'reads': {', '.join(extra)}")
        items = doc["reads"]
        if not isinstance(items, list):
            raise DocumentError("'reads' must be a JSON array of reads")
        prefix = "reads."
    elif isinstance(doc, list):
        items = doc
        prefix = ""
    elif isinstance(doc, dict):
        items = None
        prefix = ""
    else:
        raise DocumentError('expected a read object, {"reads": [...]} or an array of reads')
    out = ParsedDocument(kind="native")
    if items is None:
        origin = Origin(source, raw_text if raw_text is not None else doc, ctx)
        result = validate_item(
            doc, index=0, loc="", origin=origin, default_camera=default_camera, topic_camera=topic_camera
        )
        if isinstance(result, list):
            out.problems.extend(result)
        else:
            out.reads.append(result)
        return out
    if not items:
        raise DocumentError("'reads' is empty: send at least one read")
    if max_batch is not None and len(items) > max_batch:
        raise DocumentError(
            f"{len(items)} reads in one batch; at most {max_batch} are accepted (RTCC_INGEST_MAX_BATCH)"
        )
    if default_camera is None and topic_camera is None:
        fast = validate_batch(items, source=source, ctx=ctx, prefix=prefix)
        if fast is not None:
            out.reads = fast
            return out
    for i, item in enumerate(items):
        loc = f"{prefix}{i}"
        origin = Origin(source, item, ctx, loc)
        result = validate_item(
            item, index=i, loc=loc, origin=origin, default_camera=default_camera, topic_camera=topic_camera
        )
        if isinstance(result, list):
            out.problems.extend(result)
        else:
            out.reads.append(result)
    return out


def parse_native_heartbeat(data: Any, *, camera: str | None, now: datetime) -> ParsedDocument:
    """A native heartbeat (``HeartbeatIn`` fields; the camera from the MQTT topic); ``at`` defaults to ``now``."""
    if not isinstance(data, dict):
        raise DocumentError("a heartbeat must be a JSON object")
    try:
        beat = HeartbeatIn.model_validate({"camera": camera, **data})
    except ValidationError as exc:
        first = exc.errors(include_url=False)[0]
        where = ".".join(str(p) for p in first["loc"]) or "body"
        raise DocumentError(f"heartbeat {where}: {first['msg']}") from None
    return ParsedDocument(
        kind="heartbeat",
        heartbeats=[
            Heartbeat(
                camera_code=beat.camera or "",
                at=beat.at or now,
                streaming=beat.streaming,
                agent_uid=beat.agent_uid,
                info=dict(beat.info),
            )
        ],
    )
