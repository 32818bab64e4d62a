"""Tables of the patrol domain: near-repeat alerts (one per burglary call), patrol plans with their ordered stops,
and residents' vacation house checks with their visits.

References to other domains are by value (a call's id and number, a unit's call sign, a community alert's id), never
foreign keys into their tables, so the domain reads them only through their services. ``patrol_near_repeats.call_id``
is unique: a burglary makes one alert however often it is seen.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Date, Float, ForeignKey, Index, Integer, String, Text, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from rtcc.core.db import Base, UTCDateTime


class NearRepeatAlert(Base):
    """After a burglary: the circle and the days at raised risk, the rule that set them, and its publication."""

    __tablename__ = "patrol_near_repeats"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    call_id: Mapped[uuid.UUID] = mapped_column(Uuid, unique=True)
    call_number: Mapped[str] = mapped_column(String(16))
    call_type: Mapped[str] = mapped_column(String(32))
    lat: Mapped[float] = mapped_column(Float)
    lon: Mapped[float] = mapped_column(Float)
    neighborhood: Mapped[str | None] = mapped_column(String(32))
    radius_m: Mapped[float] = mapped_column(Float)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    rule_source: Mapped[str] = mapped_column(String(16))  # knox | configured
    rule_detail: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    community_alert_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    published_by: Mapped[str | None] = mapped_column(String(64))


class PatrolPlan(Base):
    """A unit's plan for a shift window: its stops in route order, how travel times were obtained, and the
    comparison cells its report sets against the patrolled ones."""

    __tablename__ = "patrol_plans"
    __table_args__ = (Index("ix_patrol_plans_unit_start", "call_sign", "starts_at"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    call_sign: Mapped[str] = mapped_column(String(16))
    kind: Mapped[str] = mapped_column(String(16))  # cso | guard | holiday | special
    area: Mapped[str | None] = mapped_column(String(32))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    routing_method: Mapped[str] = mapped_column(String(16))  # network | straight_line
    forecast_model: Mapped[str] = mapped_column(String(64))
    comparison: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class PlanStop(Base):
    """One stop of a plan: a hotspot cell (box), a near-repeat circle or a house (circle), with its dose."""

    __tablename__ = "patrol_plan_stops"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    plan_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("patrol_plans.id", ondelete="CASCADE"), index=True)
    seq: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(16))  # hotspot | near_repeat | house_check
    key: Mapped[str] = mapped_column(String(64))
    label: Mapped[str] = mapped_column(String(255))
    lat: Mapped[float] = mapped_column(Float)
    lon: Mapped[float] = mapped_column(Float)
    box: Mapped[list[float] | None] = mapped_column(JSON)
    radius_m: Mapped[float | None] = mapped_column(Float)
    risk: Mapped[float] = mapped_column(Float)
    dose_min: Mapped[float] = mapped_column(Float)
    travel_s: Mapped[float | None] = mapped_column(Float)
    near_repeat_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    house_check_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)


class HouseCheck(Base):
    """A resident's request: check my house between these dates (address, point, keyholder, notes)."""

    __tablename__ = "patrol_house_checks"
    __table_args__ = (Index("ix_patrol_house_checks_dates", "starts_on", "ends_on"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    address: Mapped[str] = mapped_column(String(255))
    lat: Mapped[float] = mapped_column(Float)
    lon: Mapped[float] = mapped_column(Float)
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    keyholder_name: Mapped[str | None] = mapped_column(String(128))
    keyholder_phone: Mapped[str | None] = mapped_column(String(32))
    notes: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16))  # active | cancelled
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class HouseCheckVisit(Base):
    """A visit to a house: from the unit's track (``track``) or the unit's note (``note``), with what was found."""

    __tablename__ = "patrol_house_check_visits"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    check_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("patrol_house_checks.id", ondelete="CASCADE"), index=True)
    plan_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    call_sign: Mapped[str] = mapped_column(String(16))
    source: Mapped[str] = mapped_column(String(8))  # track | note
    outcome: Mapped[str] = mapped_column(String(16))  # secure | found (something needing the resident's attention)
    note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
