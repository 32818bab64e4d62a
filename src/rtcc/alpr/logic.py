"""Pure ALPR ingest rules: the idempotent read id, time-window checks, region/confidence/epoch normalisation, and
the plain data types that every adapter produces (``NormalizedRead``, ``Heartbeat``, ``VehicleUpdate``,
``ParsedDocument``) and the service consumes.

No I/O and no framework imports: adapters turn vendor documents into these types, the service stores them.

Decisions recorded here:
- A read's id is ``uuid5(READ_NAMESPACE, "<camera code>|ref|<source ref>")`` when the sensor sends its own id (an
  OpenALPR uuid, a Frigate event id plus the plate, a native ``id``), otherwise a time-ordered version-8 id: the
  observed millisecond, then a hash of ``"<camera code>|<plate_norm>|<observed_at in UTC to the millisecond>"``
  (see ``_time_ordered_id``). The sensor's id is never used verbatim, so one camera's key cannot pre-empt another
  camera's read ids.
- Confidence is stored in percent (0..100). A value in [0, 1] is a fraction (Frigate scores, some REST clients) and
  is scaled by 100; a value above 100 or below 0 is invalid.
- Epoch timestamps below 10^11 are seconds (until the year 5138), larger ones milliseconds (OpenALPR agents).
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import hashlib
import math
import re
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson

from rtcc.core import plates

#: Namespace of read ids (uuid5); changing it would break idempotency with already stored reads.
READ_NAMESPACE = uuid.UUID("6f1d3c1e-4a8e-5b7a-9c51-2f0d8e7b3a10")

#: Longest raw plate text the table stores (``alpr_reads.plate`` is VARCHAR(16)).
MAX_RAW_PLATE = 16
#: Longest region code stored (``alpr_reads.region`` is VARCHAR(8)).
MAX_REGION = 8
#: Longest sensor reference stored (``alpr_reads.source_ref`` is VARCHAR(128)).
MAX_SOURCE_REF = 128
#: Epoch values at or above this are milliseconds.
_EPOCH_MS_THRESHOLD = 100_000_000_000

_REGION_PREFIXED = re.compile(r"^[A-Z]{2}-([A-Z0-9]{1,3})$")


_NAMESPACE_BYTES = READ_NAMESPACE.bytes
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MS = timedelta(milliseconds=1)
_READ_HASH = hashlib.blake2b(digest_size=10, person=b"rtcc-read")


def _uuid5_bytes(name: str) -> bytes:
    """The 16 bytes of ``uuid.uuid5(READ_NAMESPACE, name)``, computed without its slower generic path."""
    digest = bytearray(hashlib.sha1(_NAMESPACE_BYTES + name.encode("utf-8"), usedforsecurity=False).digest()[:16])
    digest[6] = (digest[6] & 0x0F) | 0x50  # version 5
    digest[8] = (digest[8] & 0x3F) | 0x80  # RFC 4122 variant
    return bytes(digest)


def _time_ordered_bytes(ms: int, name: str) -> bytes:
    """A deterministic, time-ordered id (RFC 9562 version 8 layout): 48 bits of Unix milliseconds, then 74 bits of
    a BLAKE2b hash of ``name``. The same read always gets the same id (idempotency), and reads arriving in time
    order land at the end of the primary-key index instead of at random places (much cheaper inserts)."""
    h = _READ_HASH.copy()  # cheaper than a new keyed hasher per read
    h.update(name.encode("utf-8"))
    digest = h.digest()
    b = bytearray((ms & 0xFFFF_FFFF_FFFF).to_bytes(6, "big") + digest)
    b[6] = (b[6] & 0x0F) | 0x80  # version 8
    b[8] = (b[8] & 0x3F) | 0x80  # RFC variant
    return bytes(b)


def read_key(camera_code: str, plate_norm: str, observed_at: datetime, source_ref: str | None) -> bytes:
    """The 16 bytes of ``read_id`` (the ingest hot path works on bytes and builds no ``UUID`` objects)."""
    if source_ref:
        return _uuid5_bytes(f"{camera_code}|ref|{source_ref}")
    ms = (observed_at - _EPOCH) // _MS  # exact integer milliseconds, whatever the timezone
    return _time_ordered_bytes(ms, f"{camera_code}|{plate_norm}|{ms}")


_TWO_DIGITS = tuple(f"{i:02d}" for i in range(100))


def utc_iso(value: datetime) -> str:
    """``value.isoformat(timespec="microseconds")`` of an aware datetime whose UTC offset is zero (the caller
    converts first; the offset is always written ``+00:00``): the ingest writes this text for every read, and
    ``isoformat`` (a C ``printf`` per field) costs about three times as much."""
    two = _TWO_DIGITS
    us = value.microsecond
    return (
        f"{value.year:04d}-{two[value.month]}-{two[value.day]}T{two[value.hour]}:{two[value.minute]}:"
        f"{two[value.second]}.{two[us // 10000]}{two[us // 100 % 100]}{two[us % 100]}+00:00"
    )


def read_id(camera_code: str, plate_norm: str, observed_at: datetime, source_ref: str | None) -> uuid.UUID:
    """The idempotency key of a read: from the sensor's own reference when given, else camera+plate+time (ms)."""
    return uuid.UUID(bytes=read_key(camera_code, plate_norm, observed_at, source_ref))


def ref_read_id(camera_code: str, source_ref: str) -> uuid.UUID:
    """The id of the read a camera's sensor referenced as ``source_ref`` (see ``read_id``)."""
    return uuid.UUID(bytes=_uuid5_bytes(f"{camera_code}|ref|{source_ref}"))


def storable_ref(source_ref: str | None) -> str | None:
    """The sensor reference as stored: as given up to 128 characters, else ``sha256:<first 64 hex digits>``."""
    if source_ref is None or len(source_ref) <= MAX_SOURCE_REF:
        return source_ref
    return "sha256:" + hashlib.sha256(source_ref.encode("utf-8")).hexdigest()[:64]


def check_times(observed_at: datetime, now: datetime, max_future_s: int, retention_days: int) -> str | None:
    """Why a read's time is unacceptable (too far in the future, older than retention), or None when it is fine."""
    if observed_at.tzinfo is None:
        return "timestamp has no timezone"
    ahead = (observed_at - now).total_seconds()
    if ahead > max_future_s:
        return f"observed {int(ahead)} s in the future (more than {max_future_s} s ahead of the server clock)"
    if observed_at < now - timedelta(days=retention_days):
        return f"observed {observed_at.date().isoformat()}, older than the {retention_days}-day retention period"
    return None


def plate_problem(plate: str, plate_norm: str) -> str | None:
    """Why a plate cannot be stored (too long as read, or not 2..10 letters/digits once normalised), or None."""
    if len(plate) > MAX_RAW_PLATE:
        return f"plate text is longer than {MAX_RAW_PLATE} characters"
    if not plates.is_plausible(plate_norm):
        return f"plate normalises to {len(plate_norm)} letters/digits; 2 to {plates.MAX_PLATE_LEN} are required"
    return None


def normalise_region(value: str | None) -> str | None:
    """Upper-case a state/region code and drop a 2-letter country prefix (``us-ca`` -> ``CA``); blank -> None.

    Vendor codes that do not fit the column (longer than 8 characters) are dropped (None): a region is a hint for
    matching, never a reason to lose a read.
    """
    if value is None:
        return None
    text = value.strip().upper()
    if not text:
        return None
    prefixed = _REGION_PREFIXED.match(text)
    if prefixed:
        return prefixed.group(1)
    return text if len(text) <= MAX_REGION else None


def confidence_percent(value: float | None) -> float | None:
    """Confidence in percent: fractions in [0, 1] are scaled by 100; ValueError outside [0, 100] or not finite."""
    if value is None:
        return None
    v = float(value)
    if not math.isfinite(v) or v < 0 or v > 100:
        raise ValueError("confidence must be between 0 and 100 (or a fraction between 0 and 1)")
    return v * 100.0 if v <= 1.0 else v


def epoch_to_datetime(value: Any) -> datetime:
    """A UTC datetime from an epoch in seconds or milliseconds (see the module docstring); ValueError if absurd."""
    if isinstance(value, bool):
        raise ValueError(f"epoch time {value!r} is not a number")
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"epoch time {value!r} is not a number") from None
    if not math.isfinite(v) or v <= 0:
        raise ValueError(f"epoch time {value!r} is not a positive number")
    if v >= _EPOCH_MS_THRESHOLD:
        v = v / 1000.0
    try:
        return datetime.fromtimestamp(v, tz=UTC)
    except (OverflowError, OSError, ValueError) as exc:
        raise ValueError(f"epoch time {value!r} is out of range") from exc


def clip(value: Any, length: int) -> str | None:
    """``value`` as a stripped string cut to ``length`` characters; None for None or blank."""
    if value is None:
        return None
    text = str(value).strip()
    return text[:length] if text else None


@dataclass(slots=True, eq=False)
class Origin:
    """Where a read or document came from, kept to write a replayable dead letter if it is refused.

    ``raw`` is the exact text received (a message, a document, a file line) or a JSON-ready item of a native batch;
    ``context`` holds what a replay needs to parse it the same way (channel, topic, camera, file format, header…)
    and may be shared by the items of one batch; ``loc`` tells the item apart (added to its dead letter's context).
    """

    source: str
    raw: Any
    context: dict[str, Any] = dataclasses.field(default_factory=dict)
    loc: str = ""


@dataclass(slots=True)
class NormalizedRead:
    """One read as every adapter produces it, before plate forms, ids and checks are applied by the service.

    ``loc`` locates the read in its input (``reads.3``, ``results.1``, ``line 42``) for rejection messages.
    ``confidence`` is already in percent. ``candidates`` are ``{"plate", "confidence"}`` dicts (plus vendor extras).
    """

    camera_code: str
    plate: str
    observed_at: datetime
    region: str | None = None
    confidence: float | None = None
    lat: float | None = None
    lon: float | None = None
    heading: float | None = None
    vehicle_make: str | None = None
    vehicle_model: str | None = None
    vehicle_color: str | None = None
    vehicle_type: str | None = None
    image_ref: str | None = None
    crop_ref: str | None = None
    candidates: list[dict[str, Any]] | None = None
    source_ref: str | None = None
    loc: str = ""
    agent_uid: str | None = None
    index: int = -1
    origin: Origin | None = None
    camera_label: str | None = None


@dataclass(frozen=True, slots=True)
class Rejection:
    """A read (or document) refused: where it was (``index`` in the input, ``field`` path) and why."""

    index: int
    field: str
    reason: str
    code: str = "invalid"  # metric label: invalid | time | plate | scope | camera | parse | vehicle
    origin: Origin | None = dataclasses.field(default=None, compare=False)


@dataclass(frozen=True, slots=True)
class Heartbeat:
    """A sign of life of one camera: ``at`` is the sensor's time, ``streaming`` False when its stream is down."""

    camera_code: str
    at: datetime
    streaming: bool | None = None
    agent_uid: str | None = None
    name: str | None = None
    lat: float | None = None
    lon: float | None = None
    info: dict[str, Any] = dataclasses.field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class VehicleUpdate:
    """Vehicle attributes for an already sent read, identified by the sensor's references (``source_refs``)."""

    camera_code: str
    source_refs: tuple[str, ...]
    make: str | None = None
    model: str | None = None
    color: str | None = None
    type: str | None = None


@dataclass(frozen=True, slots=True)
class ReadImage:
    """An image a sensor sent inside its document (an OpenALPR plate or vehicle crop), decoded and checked.

    ``kind`` is ``crop`` (the plate crop, the read's ``crop_ref``) or ``vehicle`` (the vehicle crop, its
    ``image_ref``); ``key`` is its content-addressed name in the image store (``image_key``), set as that ref on
    ``read`` by the adapter. The service writes it durably before the read's transaction commits."""

    read: NormalizedRead
    kind: str
    key: str
    data: bytes


@dataclass(frozen=True, slots=True)
class VendorAlert:
    """The sensor's own hotlist alert (an OpenALPR ``alpr_alert``): kept beside the read it is about, never turned
    into one of our alerts (our hotlists and matching stay the source of truth)."""

    read: NormalizedRead
    alert_list: str | None
    list_type: str | None
    description: str | None
    plate: str | None
    site_name: str | None = None
    camera_name: str | None = None


@dataclass(slots=True)
class ParsedDocument:
    """What one vendor document contained: its kind, reads, heartbeats, vehicle updates and per-item problems.

    ``images`` are the decoded images of its reads and ``image_problems`` the images refused (bad base64, not a
    JPEG, too large): the read itself is still stored (a bad picture never costs a read), the refused image becomes
    a dead letter naming its field. ``vendor_alerts`` are the sensor's own alerts about its reads."""

    kind: str
    reads: list[NormalizedRead] = dataclasses.field(default_factory=list)
    heartbeats: list[Heartbeat] = dataclasses.field(default_factory=list)
    vehicle_updates: list[VehicleUpdate] = dataclasses.field(default_factory=list)
    problems: list[Rejection] = dataclasses.field(default_factory=list)
    origin: Origin | None = None
    images: list[ReadImage] = dataclasses.field(default_factory=list)
    image_problems: list[Rejection] = dataclasses.field(default_factory=list)
    vendor_alerts: list[VendorAlert] = dataclasses.field(default_factory=list)


class DocumentError(ValueError):
    """A document that cannot be understood at all (not JSON, wrong shape, unknown type); the message says why."""


_BOM = b"\xef\xbb\xbf"


def payload_text(data: bytes | str) -> str:
    """The payload as text for a dead letter (undecodable bytes replaced, a leading BOM dropped)."""
    if isinstance(data, str):
        return data.removeprefix("\ufeff")
    return data.removeprefix(_BOM).decode("utf-8", errors="replace")


def decode_json(data: bytes | str) -> Any:
    """Parse JSON bytes/text (BOM tolerated); DocumentError naming line, column and position when invalid."""
    raw = data.encode("utf-8") if isinstance(data, str) else data
    raw = raw.removeprefix(_BOM)
    if not raw.strip():
        raise DocumentError("empty body: expected a JSON document")
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise DocumentError(
            f"invalid JSON at line {exc.lineno} column {exc.colno} (char {exc.pos}): {exc.msg}"
        ) from None


# --- images sent inside documents -----------------------------------------------------------------------------

#: Folder of the image store under the data directory; a stored image's ref is ``<IMAGE_PREFIX>/<sha[:2]>/<sha>.jpg``
#: (relative to ``RTCC_DATA_DIR``, so retention's ``local_file`` finds and deletes it with the read).
IMAGE_PREFIX = "alpr-images"
_JPEG_SOI = b"\xff\xd8\xff"
_B64_CHARS = re.compile(rb"[A-Za-z0-9+/=\r\n]*")
_B64URL = str.maketrans("-_", "+/")


def image_key(sha256_hex: str) -> str:
    """The ref of a stored JPEG: content-addressed, so a resent document names the same file."""
    return f"{IMAGE_PREFIX}/{sha256_hex[:2]}/{sha256_hex}.jpg"


def is_image_key(ref: str | None) -> bool:
    """True when ``ref`` names an image in our store (as opposed to a vendor key or a URL)."""
    return ref is not None and ref.startswith(IMAGE_PREFIX + "/")


def decode_jpeg(value: Any, max_bytes: int) -> bytes:
    """The JPEG bytes of a base64 text (standard or URL-safe alphabet, line breaks and a ``data:image/jpeg;base64,``
    prefix tolerated); ValueError saying why it is refused: not text, not valid base64, larger than ``max_bytes``
    once decoded, or not a JPEG (no SOI marker ``FF D8 FF``)."""
    if not isinstance(value, str):
        raise ValueError("must be a base64 text")
    text = value.strip()
    if text.startswith("data:"):
        head, _, text = text.partition(",")
        if not head.endswith(";base64"):
            raise ValueError("a data: URL must be base64-encoded")
    if len(text) // 4 * 3 > max_bytes + 3:
        raise ValueError(f"larger than the limit of {max_bytes} bytes")
    raw = text.translate(_B64URL).encode("ascii", errors="replace")
    if not _B64_CHARS.fullmatch(raw):
        raise ValueError("not valid base64 (characters outside the base64 alphabet)")
    raw = raw.replace(b"\r", b"").replace(b"\n", b"")
    try:
        data = base64.b64decode(raw + b"=" * (-len(raw) % 4), validate=True)
    except (binascii.Error, ValueError):
        raise ValueError("not valid base64") from None
    if not data:
        raise ValueError("empty image")
    if len(data) > max_bytes:
        raise ValueError(f"larger than the limit of {max_bytes} bytes")
    if not data.startswith(_JPEG_SOI):
        raise ValueError("not a JPEG (no FF D8 FF start-of-image marker)")
    return data


def sha256_hex(data: bytes) -> str:
    """The SHA-256 of ``data`` as 64 hex digits."""
    return hashlib.sha256(data).hexdigest()


def stored_read_key(r: NormalizedRead) -> bytes:
    """The id bytes ``ingest`` gives this read (same normalisation, same reference), for what is stored beside a
    read (its images, a vendor alert) without a lookup."""
    plate = r.plate
    norm = plate.upper() if plate.isascii() and plate.isalnum() else plates.normalise(plate)
    ref = r.source_ref
    if ref is not None and len(ref) > MAX_SOURCE_REF:
        ref = storable_ref(ref)
    return read_key(r.camera_code, norm, r.observed_at.astimezone(UTC), ref)
