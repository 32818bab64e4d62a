"""Tables of the analytics domain: imported crime incidents (the history hotspot forecasts and the public crime map
count) and the stored forecasts (computed by the scheduled job or an analyst's refresh, read by the screen).

An incident is stored as the agency published it (category text, address as published, coordinates) plus the forecast
category it maps to and the neighborhood, reporting district and division of its point in the active city profile
(located once, at import). ``(source, external_id)`` is unique: importing a file twice stores each incident once. A
forecast row holds one category, horizon and cell size, for the city or for one division (its events and grid that
division's, so that a divisional analyst reads only forecasts of their division): the flagged cells, the backtest that
chose the model and the grid it was computed on, as JSON (the screen reads one row and draws it; nothing is recomputed
on a read).
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Float, Index, Integer, String, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from rtcc.core.db import Base, UTCDateTime


class Incident(Base):
    """One crime incident from an agency's published incident file (LASD, LAPD, or a city's own)."""

    __tablename__ = "analytics_incidents"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    source: Mapped[str] = mapped_column(String(32))  # lasd | lapd | demo | ...
    external_id: Mapped[str] = mapped_column(String(64))
    category: Mapped[str] = mapped_column(String(24))  # forecast category (rtcc.analytics.logic.CATEGORIES) or other
    category_raw: Mapped[str] = mapped_column(String(128))
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime)
    address: Mapped[str | None] = mapped_column(String(255))  # as published (already a hundred block for LASD/LAPD)
    lat: Mapped[float] = mapped_column(Float)
    lon: Mapped[float] = mapped_column(Float)
    in_city: Mapped[bool] = mapped_column(Boolean, default=False)
    neighborhood: Mapped[str | None] = mapped_column(String(32))
    neighborhood_name: Mapped[str | None] = mapped_column(String(128))
    district: Mapped[str | None] = mapped_column(String(32))
    division: Mapped[str | None] = mapped_column(String(32), index=True)  # the profile's division holding the point
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime)

    __table_args__ = (
        UniqueConstraint("source", "external_id"),
        Index("ix_analytics_incidents_category_time", "category", "occurred_at"),
        Index("ix_analytics_incidents_time", "occurred_at"),
    )


class StoredForecast(Base):
    """A computed hotspot forecast for one category, horizon and cell size, with the backtest beside it."""

    __tablename__ = "analytics_forecasts"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    category: Mapped[str] = mapped_column(String(24))
    division: Mapped[str | None] = mapped_column(String(32))  # computed for this division; None: the city
    horizon_days: Mapped[int] = mapped_column(Integer)
    cell_m: Mapped[float] = mapped_column(Float)
    origin: Mapped[datetime] = mapped_column(UTCDateTime)
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    computed_by: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16))  # ok | insufficient
    model: Mapped[str | None] = mapped_column(String(32))
    events: Mapped[int] = mapped_column(Integer)
    seconds: Mapped[float] = mapped_column(Float)
    result: Mapped[dict[str, Any]] = mapped_column(JSON)  # grid, flagged cells per area, backtest scores, note

    __table_args__ = (Index("ix_analytics_forecasts_key", "category", "horizon_days", "cell_m", "computed_at"),)
