"""Pydantic contracts of the dispatch domain's calls: what the API, the CLI, the screens and the alarm/EIDO wiring
send and read. Inbound models forbid unknown fields (units, rosters and positions: ``rtcc.dispatch.unit_schemas``).
Callers' names and numbers are never in ``CallRead``: they are read through ``CallerRead`` (one audited read each).
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, Literal, Self

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, model_validator

from rtcc.dispatch.logic import AssignmentStatus, Disposition, Source
from rtcc.dispatch.unit_schemas import UnitRead
from rtcc.drones.schemas import DroneOptionRead


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


# --- catalogue and priority rules -----------------------------------------------------------------------------------


class PriorityRead(BaseModel):
    """One priority of the scheme in use."""

    code: str
    name: str
    names: dict[str, str] = Field(default_factory=dict, description="The name in other languages, by language code.")
    rank: int
    target_s: int
    emergent: bool


class SchemeRead(BaseModel):
    """The catalogue in use and its priority scheme."""

    catalogue: str
    scheme: str
    priorities: list[PriorityRead]


class CallTypeRead(BaseModel):
    """A call type with the priority in force now (a rule's, or the catalogue's default)."""

    code: str
    name: str
    names: dict[str, str] = Field(default_factory=dict, description="The name in other languages, by language code.")
    apco_code: str
    default_priority: str
    priority_now: str
    rule_id: int | None
    eligible_unit_types: list[str]
    units_needed: int
    needs: list[str]
    cso_may_take: bool
    online_report_ok: bool
    lookback_days: int
    alarm_category: str | None = None
    alarm_location: str | None = None


class UnitTypeRead(BaseModel):
    """A unit type and what it may do."""

    code: str
    name: str
    names: dict[str, str] = Field(default_factory=dict, description="The name in other languages, by language code.")
    sworn: bool
    capabilities: list[str]


class RuleCreate(_In):
    """A new priority rule version: from ``effective_from`` on, calls of ``call_type`` get ``priority``."""

    call_type: str = Field(min_length=1, max_length=32)
    priority: str = Field(min_length=1, max_length=16)
    effective_from: AwareDatetime
    reason: str = Field(min_length=3, max_length=2000, description="Why (a council decision, a contract change).")


class RuleRead(BaseModel):
    """One priority rule version."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    call_type: str
    priority: str
    effective_from: datetime
    version: int
    reason: str
    created_by: str
    created_at: datetime


# --- premises ---------------------------------------------------------------------------------------------------------


class PremiseCreate(_In):
    """A premise of the registry."""

    name: str | None = Field(default=None, max_length=128)
    address: str = Field(min_length=3, max_length=255)
    kind: Literal["residential", "commercial", "other"] = "residential"
    lat: float = Field(ge=-90, le=90)
    lon: float = Field(ge=-180, le=180)
    hazards: list[str] = Field(default_factory=list, max_length=20)
    notes: str | None = Field(default=None, max_length=4000)
    alarm_permit: str | None = Field(default=None, max_length=64)


class PremiseUpdate(_In):
    """Fields of a premise to change."""

    name: str | None = Field(default=None, max_length=128)
    address: str | None = Field(default=None, min_length=3, max_length=255)
    kind: Literal["residential", "commercial", "other"] | None = None
    lat: float | None = Field(default=None, ge=-90, le=90)
    lon: float | None = Field(default=None, ge=-180, le=180)
    hazards: list[str] | None = Field(default=None, max_length=20)
    notes: str | None = Field(default=None, max_length=4000)
    alarm_permit: str | None = Field(default=None, max_length=64)


class PremiseRead(BaseModel):
    """A premise."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    name: str | None
    address: str
    kind: str
    lat: float
    lon: float
    district: str | None
    division: str | None
    hazards: list[str]
    notes: str | None
    alarm_permit: str | None
    updated_at: datetime
    updated_by: str


# --- calls ------------------------------------------------------------------------------------------------------------


class CallLocation(_In):
    """Where: ``coordinates`` or a map ``point`` (lat, lon), a ``place`` of the city profile (an intersection such as
    'Artesia Blvd & Valley View St', or a park or school by name), or a ``premise`` of the registry."""

    kind: Literal["coordinates", "point", "place", "premise"]
    lat: float | None = Field(default=None, ge=-90, le=90)
    lon: float | None = Field(default=None, ge=-180, le=180)
    text: str | None = Field(default=None, max_length=255, description="A place's name, or an address to show.")
    premise_id: uuid.UUID | None = None

    @model_validator(mode="after")
    def _complete(self) -> Self:
        if self.kind in ("coordinates", "point") and (self.lat is None or self.lon is None):
            raise ValueError(f"a {self.kind} location needs lat and lon")
        if self.kind == "place" and not (self.text or "").strip():
            raise ValueError("a place location needs text (an intersection or a place name)")
        if self.kind == "premise" and self.premise_id is None:
            raise ValueError("a premise location needs premise_id")
        return self


class CallCreate(_In):
    """A new call for service."""

    call_type: str = Field(min_length=1, max_length=32)
    location: CallLocation
    narrative: str | None = Field(default=None, max_length=8000)
    source: Source
    source_ref: str | None = Field(
        default=None, max_length=128, description="The source's own id: alarm event, ALPR alert, tip, 911 call."
    )
    source_party: str | None = Field(default=None, max_length=128, description="Who sent it, e.g. the alarm company.")
    caller_name: str | None = Field(default=None, max_length=128)
    caller_phone: str | None = Field(default=None, max_length=32, pattern=r"^[0-9+()\-. x]{3,32}$")
    received_at: AwareDatetime | None = Field(
        default=None, description="When the call was received (default: now); the priority rule in force then decides."
    )
    division: str | None = Field(
        default=None, max_length=32, description="The division the call belongs to; by default where it lies."
    )


class AssignmentRead(BaseModel):
    """A unit's part in a call, with a timestamp per step."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    unit_id: uuid.UUID
    call_sign: str
    status: str
    dispatched_at: datetime
    acknowledged_at: datetime | None
    en_route_at: datetime | None
    on_scene_at: datetime | None
    cleared_at: datetime | None
    cancelled_at: datetime | None
    assigned_by: str
    eta_s: float | None
    eta_method: str | None
    recommended_rank: int | None


class LocationRead(BaseModel):
    """Where a call is."""

    kind: str
    text: str | None
    lat: float
    lon: float
    district: str | None
    division: str | None
    neighborhood: str | None
    premise_id: uuid.UUID | None


class CallRead(BaseModel):
    """A call (without its caller's personal data: see ``CallerRead``)."""

    id: uuid.UUID
    number: str
    call_type: str
    call_type_name: str
    call_type_names: dict[str, str] = Field(default_factory=dict, description="The name in other languages.")
    apco_code: str
    priority: str
    priority_name: str
    priority_names: dict[str, str] = Field(default_factory=dict, description="The name in other languages.")
    priority_rank: int
    priority_target_s: int | None
    priority_rule_id: int | None
    priority_rule_version: int | None
    priority_basis: str
    status: str
    queue: str
    offer_online_report: bool
    units_needed: int
    source: str
    source_ref: str | None
    source_party: str | None
    has_caller: bool
    location: LocationRead
    narrative: str | None
    disposition: str | None
    proposed_duplicate_of: uuid.UUID | None
    duplicate_of: uuid.UUID | None
    duplicate_decision: str | None
    received_at: datetime
    queued_at: datetime | None
    dispatched_at: datetime | None
    acknowledged_at: datetime | None
    en_route_at: datetime | None
    on_scene_at: datetime | None
    cleared_at: datetime | None
    closed_at: datetime | None
    reopened_at: datetime | None
    reopen_count: int
    created_by: str
    assignments: list[AssignmentRead] = Field(default_factory=list)


class CallSummary(BaseModel):
    """A call in a list of history or duplicates."""

    id: uuid.UUID
    number: str
    call_type: str
    priority: str
    status: str
    disposition: str | None
    received_at: datetime
    distance_m: float | None = None


class CallEventRead(BaseModel):
    """One step of a call's timeline."""

    model_config = ConfigDict(from_attributes=True)

    at: datetime
    kind: str
    status: str | None
    unit: str | None
    actor: str
    detail: dict[str, object]


class NoteRead(BaseModel):
    """An append-only note."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    at: datetime
    author: str
    unit: str | None
    text: str


class CallDetail(CallRead):
    """A call with its timeline and notes."""

    timeline: list[CallEventRead] = Field(default_factory=list)
    notes: list[NoteRead] = Field(default_factory=list)


class PremiseHistory(BaseModel):
    """What intake shows about a premise: its hazards, its calls, and false alarms in the last 12 months."""

    premise: PremiseRead
    calls: list[CallSummary]
    false_alarms_12m: int


class IntakeResult(BaseModel):
    """A new call and what intake found around it."""

    call: CallRead
    recent_at_location: list[CallSummary]
    proposed_duplicate: CallSummary | None
    premise_history: PremiseHistory | None


class CallPage(BaseModel):
    """A page of calls."""

    items: list[CallRead]
    total: int


class CallerRead(BaseModel):
    """A call's caller (personal data; the read is audited)."""

    call_id: uuid.UUID
    caller_name: str | None
    caller_phone: str | None


def _client_id() -> Any:
    """A field client's id for one action (a UUID), so a resend after a lost connection is not applied twice."""
    return Field(
        default=None,
        min_length=8,
        max_length=64,
        pattern=r"^[A-Za-z0-9_-]+$",
        description="Idempotency key from the client: a request resent with it is answered, not applied again.",
    )


class StepRequest(_In):
    """Move a unit's assignment on a call a step (field users: their own unit, which they may leave out)."""

    status: AssignmentStatus
    unit: str | None = Field(default=None, max_length=16, description="Call sign; default: your own unit.")
    client_id: str | None = _client_id()


class CloseRequest(_In):
    """Close a call with its disposition."""

    disposition: Disposition
    note: str | None = Field(default=None, max_length=4000)


class ReopenRequest(_In):
    """Reopen a closed call, saying why."""

    reason: str = Field(min_length=3, max_length=2000)


class NoteCreate(_In):
    """A note to append."""

    text: str = Field(min_length=1, max_length=8000)
    client_id: str | None = _client_id()


class DuplicateDecision(_In):
    """The dispatcher's decision on a proposed duplicate: link the call to another, or keep it separate."""

    action: Literal["link", "separate"]
    of: uuid.UUID | None = Field(default=None, description="The call it duplicates (default: the proposed one).")


class AssignRequest(_In):
    """Units to put on the call in one action (call signs)."""

    units: list[str] = Field(min_length=1, max_length=20)


class ReasonRead(BaseModel):
    """One reason on a recommendation line: a stable code, an English sentence, and the values it names (a screen in
    another language says the same from ``code`` and ``args``)."""

    code: str
    text: str
    args: dict[str, str] = Field(default_factory=dict)


class LineRead(BaseModel):
    """One unit's line of a recommendation."""

    unit_id: uuid.UUID
    call_sign: str
    unit_type: str
    eligible: bool
    rank: int | None
    eta_s: float | None
    score_s: float | None
    reasons: list[ReasonRead]


class RecommendationRead(BaseModel):
    """Units for a call, best first, each line with its reasons; how travel times were estimated."""

    call_id: uuid.UUID
    method: str = Field(description="network (road network travel times) or straight_line (an estimate).")
    travel_note: str | None = Field(None, description="What the screen says about estimated times (None: all by road).")
    travel_note_code: str | None = Field(
        None, description="The note as a code a screen can translate: straight_line (some or all times estimated)."
    )
    network: str | None = Field(None, description="The road network used, if any.")
    units_needed: int
    suggested: list[str] = Field(description="Call signs of the units to send (the top lines still needed).")
    ranked: list[LineRead]
    ineligible: list[LineRead]
    drone: DroneOptionRead | None = Field(
        None,
        description="The drone program's line (None: no drone program): recommended or refused with the rule and "
        "policy version, the dock and drone, its ETA and how many seconds before the first unit it would arrive.",
    )


class MyDispatch(BaseModel):
    """A field user's own unit and its calls."""

    unit: UnitRead | None
    calls: list[CallRead]
