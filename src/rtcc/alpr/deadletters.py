"""ALPR dead letters: the inputs we could not accept, kept verbatim with the reason and the context a replay needs.

A dead letter is drafted (``DeadLetterDraft``) where an input is refused and written either in the caller's
transaction (``write_dead_letters``, ``dead_letter``) or, through ``dead_letter_sink``, in its OWN unit of work after
the batch, so it survives the rollback of the batch it came from. Reads refused for a camera outside the sender's
scope never become dead letters (``drafts_for`` skips them): that is an authorisation failure, and a replayable dead
letter would let an operator wave it through by accident. The listing is audited (payloads hold plates). Replaying a
dead letter re-ingests it, so its replay lives in ``rtcc.alpr.replay``, above the store path.

A dead letter keeps at most a bounded prefix of its payload (``RTCC_DEAD_LETTER_PAYLOAD_MAX_BYTES``, 64 KiB by
default; ``configure`` sets it for the process): a sender must not be able to grow the database by the size of
everything it sends wrong. Every letter records the payload's full size in UTF-8 bytes (``payload_bytes``) and the
SHA-256 of the whole (``payload_sha256``), and ``payload_truncated`` says when only the prefix was kept; such a letter
cannot be replayed (the sender has to send it again), but it still says what came, from where, and why it failed.
"""

from __future__ import annotations

import hashlib
import logging
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import orjson
from sqlalchemy.orm import Session

from rtcc.alpr import repository
from rtcc.alpr.logic import NormalizedRead, Origin, Rejection, payload_text
from rtcc.alpr.schemas import DeadLetterPage, DeadLetterRead
from rtcc.audit import service as audit
from rtcc.core import metrics
from rtcc.core.clock import utcnow
from rtcc.core.db import Database
from rtcc.identity.logic import Principal

logger = logging.getLogger(__name__)

#: Dead-letter sources, each replayed through its own adapter.
SOURCES = ("rest", "openalpr", "mqtt", "frigate", "file")
#: Bytes of a payload a dead letter keeps unless configured (``RTCC_DEAD_LETTER_PAYLOAD_MAX_BYTES``).
DEFAULT_KEEP_BYTES = 64 * 1024
_keep = [DEFAULT_KEEP_BYTES]


def configure(keep_bytes: int) -> None:
    """Set how many bytes of a payload this process's dead letters keep (``build_runtime`` calls it)."""
    _keep[0] = keep_bytes


def storable(text: str) -> str:
    """``text`` with each NUL character replaced by U+FFFD: PostgreSQL's text cannot hold NUL, and a rejected body
    (sent as any content type, so the JSON text guard never saw it) must still be kept, not end in a 500."""
    return text.replace("\x00", "\ufffd") if "\x00" in text else text


def bounded_payload(payload: str, keep: int | None = None) -> dict[str, Any]:
    """The payload columns of a dead letter: at most ``keep`` bytes of the payload's UTF-8 text (cut on a character
    boundary, NUL characters stored as U+FFFD: ``storable``), its full size, the SHA-256 of the whole as received,
    and whether it was truncated."""
    keep = _keep[0] if keep is None else keep
    data = payload.encode("utf-8", errors="surrogatepass")
    truncated = len(data) > keep
    return {
        "payload": storable(data[:keep].decode("utf-8", errors="ignore") if truncated else payload),
        "payload_bytes": len(data),
        "payload_sha256": hashlib.sha256(data).hexdigest(),
        "payload_truncated": truncated,
    }


@dataclass(frozen=True, slots=True)
class DeadLetterDraft:
    """A dead letter to write in its own unit of work (see ``dead_letter_sink``)."""

    source: str
    payload: str
    reason: str
    context: dict[str, Any]


def _draft_rows(drafts: Sequence[DeadLetterDraft], now: datetime) -> list[dict[str, Any]]:
    return [
        {
            "source": d.source[:32],
            "received_at": now,
            "reason": storable(d.reason),
            **bounded_payload(d.payload),
            "context": d.context,
            "status": "pending",
            "attempts": 0,
        }
        for d in drafts
    ]


def write_dead_letters(session: Session, drafts: Sequence[DeadLetterDraft]) -> int:
    """Insert dead letters in the caller's transaction; returns how many."""
    if not drafts:
        return 0
    repository.add_dead_letters(session, _draft_rows(drafts, utcnow()))
    for source, n in Counter(d.source for d in drafts).items():
        metrics.DEAD_LETTERS.labels(source=source).inc(n)
    logger.warning("%d input(s) dead-lettered (%s)", len(drafts), ", ".join(sorted({d.source for d in drafts})))
    return len(drafts)


def dead_letter(
    session: Session, source: str, payload: str | bytes, reason: str, context: Mapping[str, Any] | None = None
) -> None:
    """Record one input we could not accept (raw payload, reason, context) in the caller's transaction."""
    write_dead_letters(session, [DeadLetterDraft(source, payload_text(payload), reason, dict(context or {}))])


@contextmanager
def dead_letter_sink(db: Database) -> Iterator[list[DeadLetterDraft]]:
    """Collect drafts during a batch and write them afterwards in their own unit of work, even if the batch failed.

    This is the one place that opens its own transaction: a dead letter must survive the rollback of its batch.
    """
    drafts: list[DeadLetterDraft] = []
    try:
        yield drafts
    finally:
        if drafts:
            with db.uow() as session:
                write_dead_letters(session, drafts)


def deliver(session: Session, drafts: list[DeadLetterDraft], sink: list[DeadLetterDraft] | None) -> None:
    """Hand drafts to the sink of ``dead_letter_sink`` or, without one, write them in the caller's transaction."""
    if sink is not None:
        sink.extend(drafts)
    else:
        write_dead_letters(session, drafts)


def origin_payload(origin: Origin) -> str:
    """The text a dead letter keeps of an input: as received, or the JSON of a native batch item."""
    raw = origin.raw
    if isinstance(raw, str):
        return raw
    if isinstance(raw, bytes):
        return payload_text(raw)
    return orjson.dumps(raw, default=str).decode()


def native_item(r: NormalizedRead) -> dict[str, Any]:
    """A refused read without an origin, as a native read object (so it can be replayed as such)."""
    item: dict[str, Any] = {"plate": r.plate, "observed_at": r.observed_at.isoformat(), "camera": r.camera_code}
    for key in ("region", "confidence", "lat", "lon", "heading", "image_ref", "crop_ref", "candidates"):
        value = getattr(r, key)
        if value is not None:
            item[key] = value
    vehicle = {
        k: v
        for k, v in (
            ("make", r.vehicle_make),
            ("model", r.vehicle_model),
            ("color", r.vehicle_color),
            ("type", r.vehicle_type),
        )
        if v
    }
    if vehicle:
        item["vehicle"] = vehicle
    if r.source_ref:
        item["id"] = r.source_ref
    return item


def drafts_for(rejections: Sequence[Rejection], sender: str) -> list[DeadLetterDraft]:
    """One dead letter per refused input (a document with several refused reads gives one, all reasons joined)."""
    groups: dict[int, tuple[Origin, list[str]]] = {}
    for rj in rejections:
        if rj.code == "scope" or rj.origin is None:
            continue
        key = id(rj.origin)
        if key not in groups:
            groups[key] = (rj.origin, [])
        groups[key][1].append(f"{rj.field}: {rj.reason}")
    drafts = []
    for origin, reasons in groups.values():
        ctx = dict(origin.context)
        if origin.loc:
            ctx["loc"] = origin.loc
        ctx.setdefault("sender", sender)
        prefix = f"{ctx['file']}:{ctx['line']}: " if "file" in ctx and "line" in ctx else ""
        drafts.append(DeadLetterDraft(origin.source, origin_payload(origin), prefix + "; ".join(reasons), ctx))
    return drafts


def list_dead_letters(
    session: Session,
    *,
    actor: Principal,
    source: str | None = None,
    status: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> DeadLetterPage:
    """Dead letters, newest first, filtered by source and status. Their payloads hold plates: the listing is
    audited ("alpr.deadletters.list", filters and counts only)."""
    items, total = repository.list_dead_letters(session, source=source, status=status, limit=limit, offset=offset)
    audit.record_for(
        session,
        actor,
        "alpr.deadletters.list",
        target_type="dead_letter",
        details={"source": source, "status": status, "returned": len(items), "offset": offset},
    )
    return DeadLetterPage(
        items=[DeadLetterRead.model_validate(d) for d in items], total=total, limit=limit, offset=offset
    )
