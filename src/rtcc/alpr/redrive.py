"""The ``alpr.reads.stored`` payload of reads already stored, rebuilt from the database (a published query).

Ingest stages each stored-reads envelope in the event outbox with only its read ids (``redrive_data``: 32 hex
characters a read, a tenth of the payload), so the hot path writes one small row per batch. A reconciler that finds
an envelope no consumer settled calls ``stored_reads`` to get back exactly the reads the lost envelope carried.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from rtcc.alpr.events import StoredRead
from rtcc.alpr.logic import utc_iso
from rtcc.alpr.models import Camera, Read

#: Key of the read ids in an outbox row's re-drive data.
READ_IDS = "read_ids"
_CHUNK = 500  # ids per query: well under SQLite's bound-parameter limit


def redrive_data(hex_ids: Iterable[str]) -> dict[str, Any]:
    """What the outbox keeps for a stored-reads envelope: its read ids, as one string of 32-hex-digit ids."""
    return {READ_IDS: "".join(hex_ids)}


def read_ids(data: Mapping[str, Any]) -> list[uuid.UUID]:
    """The read ids of re-drive data made by ``redrive_data``."""
    text: str = data.get(READ_IDS, "")
    return [uuid.UUID(hex=text[i : i + 32]) for i in range(0, len(text), 32)]


def stored_reads(session: Session, ids: Sequence[uuid.UUID]) -> list[StoredRead]:
    """The payload entries of the stored reads ``ids`` (reads deleted since, by retention, are left out)."""
    out: list[StoredRead] = []
    for start in range(0, len(ids), _CHUNK):
        query = (
            select(
                Read.id,
                Read.camera_id,
                Camera.code,
                Read.plate,
                Read.plate_norm,
                Read.plate_ocr,
                Read.region,
                Read.confidence,
                Read.observed_at,
                Read.received_at,
            )
            .join(Camera, Camera.id == Read.camera_id)
            .where(Read.id.in_(ids[start : start + _CHUNK]))
        )
        for rid, cid, code, plate, norm, ocr, region, confidence, observed, received in session.execute(query):
            out.append(
                StoredRead(
                    id=str(rid),
                    camera_id=str(cid),
                    camera_code=code,
                    plate=plate,
                    plate_norm=norm,
                    plate_ocr=ocr,
                    region=region,
                    confidence=confidence,
                    observed_at=utc_iso(observed),
                    received_at=utc_iso(received),
                )
            )
    return out
