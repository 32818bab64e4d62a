"""Contracts of the hotlist domain: the API's pydantic models (lists, entries, imports, skip list) and the
in-memory snapshot the matcher loads.

``HotlistSnapshot`` is a frozen dataclass of column lists, not a list of objects, so that a snapshot of a million
entries costs a few list allocations rather than a million model instances; ``EntryDetail`` describes the few
entries that actually matched a read, fetched afterwards by id.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from rtcc.hotlists.logic import Category
from rtcc.hotlists.tolerance import MAX_DIFF_LIMIT

#: The file formats an import understands (see ``rtcc.hotlists.parsers``).
ImportFormat = Literal["csv", "ncic", "clew"]

_MAX_DIFF_HELP = (
    "Tolerated differing plate positions (k) beyond OCR-class equality. 0 (the default) matches exactly and by "
    "OCR class and is right for state and federal lists; 1 or 2 is for small BOLO lists (at most 1,000 or 25 "
    "entries) and costs false hits: see GET /api/v1/hotlists/{id}/tolerance."
)
_ALLOW_LARGE_HELP = (
    "An explicit choice to keep k >= 1 on a list larger than its limit or fed from NCIC/CLEW extracts, accepting "
    "the false hits that tolerance raises there. Setting max_diff to 0 clears it."
)


def _aware(value: datetime | None) -> datetime | None:
    if value is not None and value.utcoffset() is None:
        raise ValueError("give a timezone (e.g. 2030-01-01T00:00:00Z)")
    return value


class HotlistCreate(BaseModel):
    """A new list. ``max_diff`` is k, the number of differing plate positions a match tolerates (0..2, default 0)."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=128, description="Unique display name.")
    source: str = Field(default="local", min_length=1, max_length=64, description="e.g. 'CA DOJ CLEW', 'NCIC'.")
    category: Category
    priority: int = Field(default=3, ge=1, le=5, description="1 is the most urgent.")
    owner: str | None = Field(default=None, max_length=64, description="Responsible unit or person; default: you.")
    max_diff: int = Field(default=0, ge=0, le=MAX_DIFF_LIMIT, description=_MAX_DIFF_HELP)
    allow_large_fuzzy: bool = Field(default=False, description=_ALLOW_LARGE_HELP)
    require_state: bool = Field(default=False, description="A hit needs the read's state to agree with the entry's.")
    refresh_path: str | None = Field(
        default=None,
        max_length=512,
        description="File re-imported by the scheduled refresh when it changes; over the API it must lie inside "
        "the data directory (RTCC_DATA_DIR), and a relative path is taken relative to it.",
    )
    refresh_format: ImportFormat | None = Field(
        default=None, description="Format of refresh_path (csv, ncic, clew); default: detected from the file."
    )


class HotlistUpdate(BaseModel):
    """Changes to a list; omitted fields stay as they are. ``active=false`` takes the list out of matching."""

    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(default=None, min_length=1, max_length=128)
    source: str | None = Field(default=None, min_length=1, max_length=64)
    category: Category | None = None
    priority: int | None = Field(default=None, ge=1, le=5)
    owner: str | None = Field(default=None, min_length=1, max_length=64)
    max_diff: int | None = Field(default=None, ge=0, le=MAX_DIFF_LIMIT, description=_MAX_DIFF_HELP)
    allow_large_fuzzy: bool | None = Field(default=None, description=_ALLOW_LARGE_HELP)
    require_state: bool | None = None
    active: bool | None = None
    refresh_path: str | None = Field(
        default=None, max_length=512, description="As in HotlistCreate; an empty string or null clears it."
    )
    refresh_format: ImportFormat | None = None


class HotlistRead(BaseModel):
    """A list as stored."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    name: str
    source: str
    category: str
    priority: int
    owner: str
    max_diff: int
    allow_large_fuzzy: bool
    require_state: bool
    active: bool
    refresh_path: str | None
    refresh_format: str | None
    last_imported_at: datetime | None
    entry_count: int
    version: int
    created_at: datetime
    updated_at: datetime


class HotlistPage(BaseModel):
    """One page of lists."""

    items: list[HotlistRead]
    total: int
    limit: int
    offset: int


class EntryCreate(BaseModel):
    """One plate added to a list by hand."""

    model_config = ConfigDict(extra="forbid")

    plate: str = Field(min_length=1, max_length=16, description="As written; must normalise to 2-10 letters/digits.")
    region: str | None = Field(default=None, max_length=8, description="State/province: 'CA', 'us-tx', 'ca-on'.")
    category: Category | None = Field(default=None, description="Default: the list's category.")
    reason: str | None = Field(default=None, max_length=255)
    case_number: str | None = Field(default=None, max_length=64)
    expires_at: datetime | None = Field(default=None, description="With a timezone; the entry stops matching after.")
    vehicle_make: str | None = Field(default=None, max_length=32)
    vehicle_model: str | None = Field(default=None, max_length=48)
    vehicle_color: str | None = Field(default=None, max_length=24)
    vehicle_type: str | None = Field(default=None, max_length=24)
    vehicle_year: int | None = Field(default=None, ge=1900, le=2100)

    @field_validator("expires_at")
    @classmethod
    def _expiry_has_timezone(cls, value: datetime | None) -> datetime | None:
        return _aware(value)


class EntryRead(BaseModel):
    """A list entry as stored; ``category`` is the entry's own (from its source line) or else the list's."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    hotlist_id: uuid.UUID
    plate: str
    plate_norm: str
    region: str | None
    category: str | None
    reason: str | None
    case_number: str | None
    added_by: str
    added_at: datetime
    expires_at: datetime | None
    vehicle_make: str | None
    vehicle_model: str | None
    vehicle_color: str | None
    vehicle_type: str | None
    vehicle_year: int | None
    extra: dict[str, Any]


class EntryPage(BaseModel):
    """One page of a list's entries."""

    items: list[EntryRead]
    total: int
    limit: int
    offset: int


class ImportResult(BaseModel):
    """What an import did. The list now holds ``entries``; it held ``replaced`` before.

    Identical lines of the file became one entry (``merged`` lines were folded into another). Entries identical to
    one already on the list keep their id (``unchanged``), so matches and open alerts that point at them survive a
    daily re-import; ``added`` entries are new rows and ``removed`` ones are gone. ``forced`` says that a check the
    file failed (a CLEW trailer count) was overridden on request.
    """

    hotlist_id: uuid.UUID
    format: str
    source_name: str
    entries: int
    replaced: int
    added: int
    removed: int
    unchanged: int
    merged: int = 0
    forced: bool = False
    version: int
    sha256: str | None
    duration_s: float


class ToleranceOption(BaseModel):
    """One tolerance a list could use, and what it would cost on this list."""

    max_diff: int
    max_entries: int | None = Field(description="Largest list allowed this k without an explicit choice; None: any.")
    needs_confirmation: str | None = Field(description="Why this k needs allow_large_fuzzy here, or None.")
    estimated_false_hit_rate: float = Field(description="Expected share of unlisted reads raising a false alert.")
    estimated_false_hits_per_10k_reads: float


class ToleranceReport(BaseModel):
    """What each tolerance costs on one list: estimated from the list's own plates (``hotlists.tolerance``)."""

    hotlist_id: uuid.UUID
    entries: int
    max_diff: int
    allow_large_fuzzy: bool
    method: str
    options: list[ToleranceOption]


class RefreshOutcome(BaseModel):
    """One pass of the scheduled refresh: lists re-imported, lists whose file had not changed, lists that failed."""

    imported: list[ImportResult] = Field(default_factory=list)
    unchanged: list[uuid.UUID] = Field(default_factory=list)
    failed: dict[uuid.UUID, str] = Field(default_factory=dict, description="List id -> 'file:line: reason'.")


class SkipCreate(BaseModel):
    """A plate text never to match (junk reads such as 'NOPLATE', test plates)."""

    model_config = ConfigDict(extra="forbid")

    plate: str = Field(min_length=1, max_length=16)
    reason: str = Field(min_length=1, max_length=255)


class SkipRead(BaseModel):
    """A skip-list entry as stored."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    plate_norm: str
    reason: str
    added_by: str
    added_at: datetime


class EntryDetail(BaseModel):
    """What an alert shows about the entry a read matched: the listed plate, why, and the vehicle."""

    model_config = ConfigDict(frozen=True)

    id: int
    hotlist_id: uuid.UUID
    plate: str
    plate_norm: str
    region: str | None
    category: str
    reason: str | None
    case_number: str | None
    expires_at: datetime | None
    vehicle_make: str | None
    vehicle_model: str | None
    vehicle_color: str | None
    vehicle_type: str | None
    vehicle_year: int | None

    @property
    def vehicle_description(self) -> str | None:
        """'2019 Silver Toyota Camry Sedan', from whatever parts are known; None when none is."""
        parts = [
            str(self.vehicle_year) if self.vehicle_year else None,
            self.vehicle_color,
            self.vehicle_make,
            self.vehicle_model,
            self.vehicle_type,
        ]
        text = " ".join(p for p in parts if p)
        return text or None


@dataclass(frozen=True, slots=True)
class ListInfo:
    """Matching parameters and labels of one active list."""

    id: uuid.UUID
    name: str
    source: str
    category: str
    priority: int
    max_diff: int
    require_state: bool
    version: int


@dataclass(frozen=True, slots=True)
class HotlistSnapshot:
    """Everything the matcher indexes, column-oriented: row ``i`` is entry ``entry_ids[i]`` of list
    ``hotlist_ids[i]`` with plate ``plates_norm[i]`` and region ``regions[i]``.

    Only active lists and entries not expired at ``taken_at`` are included. ``version`` equals
    ``snapshot_version()`` at the moment the snapshot was taken; ``valid_until`` is the earliest ``expires_at`` of the
    included entries: after it the snapshot holds an expired entry and must be reloaded (the version changes then
    too, because it embeds that same time).
    """

    version: str
    taken_at: datetime
    valid_until: datetime | None
    lists: Mapping[uuid.UUID, ListInfo]
    entry_ids: list[int]
    hotlist_ids: list[uuid.UUID]
    plates_norm: list[str]
    regions: list[str | None]
    skip_plates: frozenset[str]

    def __len__(self) -> int:
        return len(self.entry_ids)

    def is_stale(self, now: datetime) -> bool:
        """True once an included entry has expired (``now`` past ``valid_until``)."""
        return self.valid_until is not None and now > self.valid_until
