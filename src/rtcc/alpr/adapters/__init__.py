"""ALPR ingest adapters: pure functions that turn what a sensor sends (native JSON, OpenALPR/Rekor agent documents,
Frigate MQTT messages, CSV/JSONL lines) into ``rtcc.alpr.logic`` types. They do no I/O and never touch the database;
adding a vendor is a new module here plus a channel in ``parse_payload``, not an edit of the service.

``parse_payload`` picks the adapter by the channel named in a payload's context. Every channel passes through it,
and so does the replay of a dead letter (whose stored context names its channel), so a replay parses a payload
exactly as it was parsed when it arrived. Channels: ``native`` (REST/MQTT/JSONL read or batch), ``heartbeat``
(native MQTT heartbeat), ``openalpr``, ``frigate_event``, ``frigate_lpr`` and ``file`` (one CSV/JSONL record).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from rtcc.alpr.adapters.files import parse_line
from rtcc.alpr.adapters.frigate import parse_frigate_event, parse_frigate_lpr_update
from rtcc.alpr.adapters.native import parse_native, parse_native_heartbeat
from rtcc.alpr.adapters.openalpr import DEFAULT_MAX_IMAGE_BYTES, parse_openalpr
from rtcc.alpr.logic import DocumentError, Origin, ParsedDocument, decode_json, payload_text
from rtcc.core.clock import utcnow

__all__ = ["CHANNELS", "decode_json", "parse_payload", "payload_text"]

CHANNELS = ("native", "heartbeat", "openalpr", "frigate_event", "frigate_lpr", "file")


def _file_record(text: str, source: str, ctx: dict[str, Any]) -> ParsedDocument:
    header = ctx.get("header")
    record = parse_line(
        text,
        fmt=str(ctx.get("format", "")),
        line=int(ctx.get("line", 0)),
        origin=Origin(source, text, ctx),
        header=list(header) if isinstance(header, list) else None,
        default_camera=ctx.get("default_camera"),
    )
    doc = ParsedDocument(kind="file")
    if isinstance(record, list):
        doc.problems.extend(record)
    else:
        doc.reads.append(record)
    return doc


def parse_payload(
    payload: bytes | str,
    *,
    source: str,
    context: Mapping[str, Any],
    max_batch: int,
    now: datetime | None = None,
    max_image_bytes: int = DEFAULT_MAX_IMAGE_BYTES,
) -> ParsedDocument:
    """Parse a raw payload with the adapter its ``context["channel"]`` names; DocumentError if it cannot be read."""
    channel = context.get("channel", "native")
    ctx = dict(context)
    text = payload_text(payload)
    if channel == "file":
        return _file_record(text, source, ctx)
    if channel == "heartbeat":
        data = decode_json(payload) if text.strip() else {}
        return parse_native_heartbeat(data, camera=ctx.get("camera"), now=now or utcnow())
    doc = decode_json(payload)
    if channel == "native":
        return parse_native(
            doc,
            source=source,
            context=ctx,
            raw_text=text,
            default_camera=ctx.get("default_camera"),
            topic_camera=ctx.get("camera"),
            max_batch=max_batch,
        )
    origin = Origin(source, text, ctx)
    if channel == "openalpr":
        parsed = parse_openalpr(
            doc, origin=origin, default_camera=ctx.get("default_camera"), max_image_bytes=max_image_bytes
        )
    elif channel == "frigate_event":
        parsed = parse_frigate_event(str(ctx.get("topic", "")), doc, origin=origin)
    elif channel == "frigate_lpr":
        parsed = parse_frigate_lpr_update(doc, origin=origin, topic=str(ctx.get("topic", "")))
    else:
        raise DocumentError(f"unknown ingest channel {channel!r} (one of {', '.join(CHANNELS)})")
    parsed.origin = origin
    return parsed
