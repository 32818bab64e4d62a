"""Tables of the dispatch domain: premises, effective-dated priority rules, the call-number counters, calls with
their timeline and notes, units with their status log and position track, assignments, shifts, rosters and overtime
budgets; alarm companies, their alarm events, alarm permits and the false alarms counted against them.

Database guarantees: ``dispatch_call_counters`` hands out each year's call numbers with one atomic upsert (a row
lock on PostgreSQL, the write lock on SQLite) and ``dispatch_calls.number`` is unique; ``dispatch_assignments.
active_unit`` holds the unit's id while the assignment is active and NULL after, under a unique constraint, so two
dispatchers can never both put one unit on a call (NULLs never collide, on SQLite and PostgreSQL alike). Money is
integer cents.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    Uuid,
)
from sqlalchemy.orm import Mapped, mapped_column

from rtcc.core.db import Base, UTCDateTime
from rtcc.dispatch import interop_models  # noqa: F401  (its tables are the domain's too: history and EIDO records)


class Premise(Base):
    """A place the agency knows: address, point, hazards and notes (the premise registry)."""

    __tablename__ = "dispatch_premises"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    name: Mapped[str | None] = mapped_column(String(128))
    address: Mapped[str] = mapped_column(String(255))
    kind: Mapped[str] = mapped_column(String(16))  # residential | commercial | other
    lat: Mapped[float] = mapped_column(Float)
    lon: Mapped[float] = mapped_column(Float)
    district: Mapped[str | None] = mapped_column(String(32))
    division: Mapped[str | None] = mapped_column(String(32))
    hazards: Mapped[list[str]] = mapped_column(JSON, default=list)
    notes: Mapped[str | None] = mapped_column(Text)
    alarm_permit: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_by: Mapped[str] = mapped_column(String(64))

    __table_args__ = (Index("ix_dispatch_premises_lat_lon", "lat", "lon"),)


class PriorityRule(Base):
    """One version of a call type's priority, in force from ``effective_from`` (until a later one)."""

    __tablename__ = "dispatch_priority_rules"
    __table_args__ = (
        UniqueConstraint("call_type", "version", name="uq_dispatch_priority_rules_call_type_version"),
        Index("ix_dispatch_priority_rules_type_from", "call_type", "effective_from"),
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    call_type: Mapped[str] = mapped_column(String(32))
    priority: Mapped[str] = mapped_column(String(16))
    effective_from: Mapped[datetime] = mapped_column(UTCDateTime)
    version: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(Text)
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class CallCounter(Base):
    """The last call number handed out in a year."""

    __tablename__ = "dispatch_call_counters"

    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    last: Mapped[int] = mapped_column(Integer)


class Call(Base):
    """A call for service. The ``*_at`` columns stamp the first time the call reached each step (the timeline
    keeps every step, reopenings included)."""

    __tablename__ = "dispatch_calls"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    number: Mapped[str] = mapped_column(String(9), unique=True)
    call_type: Mapped[str] = mapped_column(String(32))
    apco_code: Mapped[str] = mapped_column(String(16))
    priority: Mapped[str] = mapped_column(String(16))
    priority_rank: Mapped[int] = mapped_column(Integer)
    priority_rule_id: Mapped[int | None] = mapped_column(ForeignKey("dispatch_priority_rules.id", ondelete="RESTRICT"))
    priority_rule_version: Mapped[int | None] = mapped_column(Integer)
    priority_basis: Mapped[str] = mapped_column(String(64))  # "rule" | "catalogue:<name>" | "override"
    status: Mapped[str] = mapped_column(String(16))
    queue: Mapped[str] = mapped_column(String(16))
    offer_online_report: Mapped[bool] = mapped_column(Boolean, default=False)
    units_needed: Mapped[int] = mapped_column(Integer, default=1)
    source: Mapped[str] = mapped_column(String(24))
    source_ref: Mapped[str | None] = mapped_column(String(128))
    source_party: Mapped[str | None] = mapped_column(String(128))  # e.g. the alarm company
    caller_name: Mapped[str | None] = mapped_column(String(128))
    caller_phone: Mapped[str | None] = mapped_column(String(32))
    location_kind: Mapped[str] = mapped_column(String(16))  # coordinates | point | place | premise
    location_text: Mapped[str | None] = mapped_column(String(255))
    lat: Mapped[float] = mapped_column(Float)
    lon: Mapped[float] = mapped_column(Float)
    district: Mapped[str | None] = mapped_column(String(32))
    division: Mapped[str | None] = mapped_column(String(32), index=True)
    neighborhood: Mapped[str | None] = mapped_column(String(32))
    premise_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("dispatch_premises.id", ondelete="RESTRICT"))
    narrative: Mapped[str | None] = mapped_column(Text)
    disposition: Mapped[str | None] = mapped_column(String(24))
    proposed_duplicate_of: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    duplicate_of: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    duplicate_decision: Mapped[str | None] = mapped_column(String(16))  # linked | separate
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)
    queued_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    dispatched_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    en_route_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    on_scene_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cleared_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reopened_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reopen_count: Mapped[int] = mapped_column(Integer, default=0)
    created_by: Mapped[str] = mapped_column(String(64))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # The community account that made the call or online report (it follows the call's coarse status in the portal).
    reporter_user_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    __table_args__ = (
        Index("ix_dispatch_calls_reporter", "reporter_user_id", "received_at"),
        Index("ix_dispatch_calls_status_received", "status", "received_at"),
        Index("ix_dispatch_calls_lat_lon", "lat", "lon"),
        Index("ix_dispatch_calls_premise", "premise_id", "received_at"),
        Index("ix_dispatch_calls_received", "received_at"),
    )


class CallEvent(Base):
    """One step of a call's timeline: a status reached, an assignment step, a link, a priority, by whom."""

    __tablename__ = "dispatch_call_events"
    __table_args__ = (
        Index("ix_dispatch_call_events_call", "call_id", "id"),
        Index("ix_dispatch_call_events_client_id", "client_id", unique=True),
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    call_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("dispatch_calls.id", ondelete="CASCADE"))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    kind: Mapped[str] = mapped_column(String(24))
    status: Mapped[str | None] = mapped_column(String(16))
    unit: Mapped[str | None] = mapped_column(String(16))
    actor: Mapped[str] = mapped_column(String(64))
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # A field client's id for the action (idempotency key): a step resent after a lost connection is not applied twice.
    client_id: Mapped[str | None] = mapped_column(String(64))


class CallNote(Base):
    """An append-only note on a call (never edited, never deleted)."""

    __tablename__ = "dispatch_call_notes"
    __table_args__ = (
        Index("ix_dispatch_call_notes_call", "call_id", "id"),
        Index("ix_dispatch_call_notes_client_id", "client_id", unique=True),
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    call_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("dispatch_calls.id", ondelete="CASCADE"))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    author: Mapped[str] = mapped_column(String(64))
    unit: Mapped[str | None] = mapped_column(String(16))
    text: Mapped[str] = mapped_column(Text)
    client_id: Mapped[str | None] = mapped_column(String(64))  # the field client's idempotency key, if any


class Unit(Base):
    """A unit (a car, a CSO, a guard, a team) with its status and last position."""

    __tablename__ = "dispatch_units"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    call_sign: Mapped[str] = mapped_column(String(16), unique=True)
    unit_type: Mapped[str] = mapped_column(String(32))
    home_area: Mapped[str | None] = mapped_column(String(32))
    # the city profile's division it belongs to (explicit, else its home area's, else where it was created)
    division: Mapped[str | None] = mapped_column(String(32), index=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    status: Mapped[str] = mapped_column(String(16))
    status_at: Mapped[datetime] = mapped_column(UTCDateTime)
    current_user_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    lat: Mapped[float | None] = mapped_column(Float)
    lon: Mapped[float | None] = mapped_column(Float)
    heading: Mapped[float | None] = mapped_column(Float)
    speed_mps: Mapped[float | None] = mapped_column(Float)
    position_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class UnitStatusChange(Base):
    """One status a unit reached, when, by whom, and on which call."""

    __tablename__ = "dispatch_unit_status_log"
    __table_args__ = (Index("ix_dispatch_unit_status_log_unit", "unit_id", "at"), {"sqlite_autoincrement": True})

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    unit_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("dispatch_units.id", ondelete="CASCADE"))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(16))
    call_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    actor: Mapped[str] = mapped_column(String(64))


class Position(Base):
    """One position report of a unit (AVL): the track."""

    __tablename__ = "dispatch_positions"
    __table_args__ = (Index("ix_dispatch_positions_unit_at", "unit_id", "at"), {"sqlite_autoincrement": True})

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True)
    unit_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("dispatch_units.id", ondelete="CASCADE"))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)
    lat: Mapped[float] = mapped_column(Float)
    lon: Mapped[float] = mapped_column(Float)
    heading: Mapped[float | None] = mapped_column(Float)
    speed_mps: Mapped[float | None] = mapped_column(Float)
    accuracy_m: Mapped[float | None] = mapped_column(Float)
    source: Mapped[str] = mapped_column(String(16))


class Assignment(Base):
    """One unit on one call, with a timestamp per step."""

    __tablename__ = "dispatch_assignments"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    call_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("dispatch_calls.id", ondelete="CASCADE"))
    unit_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("dispatch_units.id", ondelete="RESTRICT"))
    call_sign: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16))
    active_unit: Mapped[uuid.UUID | None] = mapped_column(Uuid, unique=True)  # unit_id while active, else NULL
    dispatched_at: Mapped[datetime] = mapped_column(UTCDateTime)
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    en_route_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    on_scene_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cleared_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    assigned_by: Mapped[str] = mapped_column(String(64))
    eta_s: Mapped[float | None] = mapped_column(Float)
    eta_method: Mapped[str | None] = mapped_column(String(32))
    recommended_rank: Mapped[int | None] = mapped_column(Integer)
    reasons: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)

    __table_args__ = (
        Index("ix_dispatch_assignments_call", "call_id"),
        Index("ix_dispatch_assignments_unit", "unit_id", "dispatched_at"),
    )


class OvertimeBudget(Base):
    """Money set aside for overtime shifts, and the hours and dollars drawn against it."""

    __tablename__ = "dispatch_overtime_budgets"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    name: Mapped[str] = mapped_column(String(128), unique=True)
    total_cents: Mapped[int] = mapped_column(BigInteger)
    used_cents: Mapped[int] = mapped_column(BigInteger, default=0)
    used_minutes: Mapped[int] = mapped_column(Integer, default=0)
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Shift(Base):
    """A shift on the roster: a regular watch, a holiday patrol, or an overtime shift drawn from a budget."""

    __tablename__ = "dispatch_shifts"
    __table_args__ = (Index("ix_dispatch_shifts_starts", "starts_at"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    kind: Mapped[str] = mapped_column(String(16))  # regular | holiday | overtime
    template: Mapped[str | None] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(128))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    budget_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("dispatch_overtime_budgets.id"))
    hourly_rate_cents: Mapped[int | None] = mapped_column(Integer)
    cost_cents: Mapped[int] = mapped_column(BigInteger, default=0)
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class RosterEntry(Base):
    """A unit (and the user staffing it) on a shift."""

    __tablename__ = "dispatch_roster_entries"
    __table_args__ = (UniqueConstraint("shift_id", "unit_id", name="uq_dispatch_roster_entries_shift_unit"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    shift_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("dispatch_shifts.id", ondelete="CASCADE"))
    unit_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("dispatch_units.id", ondelete="RESTRICT"))
    user_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


# --- alarm companies, their events, alarm permits (rtcc.dispatch.alarms, rtcc.dispatch.permits) ----------------------


class AlarmCompany(Base):
    """A registered alarm-monitoring company: its code (what its API keys name) and who to call."""

    __tablename__ = "dispatch_alarm_companies"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(128))
    phone: Mapped[str | None] = mapped_column(String(40))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class AlarmPermit(Base):
    """An alarm permit of a premise: its number, holder, monitoring company, status and expiry."""

    __tablename__ = "dispatch_alarm_permits"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    number: Mapped[str] = mapped_column(String(40), unique=True)
    premise_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("dispatch_premises.id", ondelete="RESTRICT"))
    holder: Mapped[str] = mapped_column(String(128))
    company_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("dispatch_alarm_companies.id", ondelete="SET NULL"))
    status: Mapped[str] = mapped_column(String(16))  # active | suspended | revoked
    expires_on: Mapped[date | None] = mapped_column(Date)
    notes: Mapped[str | None] = mapped_column(Text)
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_by: Mapped[str] = mapped_column(String(64))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)

    __table_args__ = (Index("ix_dispatch_alarm_permits_premise", "premise_id"),)


class PermitFalseAlarm(Base):
    """A call closed as a false alarm that counts against a permit (one row per call; ``at``: when received)."""

    __tablename__ = "dispatch_permit_false_alarms"
    __table_args__ = (
        UniqueConstraint("call_id", name="uq_dispatch_permit_false_alarms_call"),
        Index("ix_dispatch_permit_false_alarms_permit_at", "permit_id", "at"),
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    permit_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("dispatch_alarm_permits.id", ondelete="CASCADE"))
    call_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("dispatch_calls.id", ondelete="CASCADE"))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime)


class AlarmEventRecord(Base):
    """One alarm event of a company and the call it made: the permit check, verification and the company's cancel.
    ``(company_id, event_id)`` is unique: the same event sent twice is one call."""

    __tablename__ = "dispatch_alarm_events"
    __table_args__ = (
        UniqueConstraint("company_id", "event_id", name="uq_dispatch_alarm_events_company_event"),
        Index("ix_dispatch_alarm_events_call", "call_id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    company_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("dispatch_alarm_companies.id", ondelete="RESTRICT"))
    event_id: Mapped[str] = mapped_column(String(64))
    call_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("dispatch_calls.id", ondelete="CASCADE"))
    category: Mapped[str] = mapped_column(String(16))
    premise_type: Mapped[str] = mapped_column(String(16))
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)
    permit_number: Mapped[str | None] = mapped_column(String(40))
    permit_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("dispatch_alarm_permits.id", ondelete="SET NULL"))
    permit_flag: Mapped[str | None] = mapped_column(String(16))  # missing | unknown | expired | suspended | revoked
    verification_required: Mapped[bool] = mapped_column(Boolean, default=False)
    decided_priority: Mapped[str] = mapped_column(String(16))  # what the rule in force gave, before verification
    decided_basis: Mapped[str] = mapped_column(String(64))
    verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    verified_by: Mapped[str | None] = mapped_column(String(64))
    verification_method: Mapped[str | None] = mapped_column(String(16))  # keyholder | guard | camera | other
    contacts: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)  # keyholders: personal data
    call_back: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    zone: Mapped[str | None] = mapped_column(String(100))
    cancel_requested_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancel_reason: Mapped[str | None] = mapped_column(Text)
    cancel_outcome: Mapped[str | None] = mapped_column(String(16))  # closed | noted
