"""Pydantic contracts of the places domain: the files of a city profile (``profile.json``, the properties of each
GeoJSON feature, the rows of the CSV files) and what other domains and the API read (``Location``, ``ProfileRead``).

File models forbid unknown fields so that a typo in a profile is an error that names the file and field, not a
silently ignored value.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, field_validator


class _File(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class AlertSenders(_File):
    """Who the city's public alerts come from."""

    sender_name: str = Field(min_length=1, max_length=128, description="CAP <senderName>, e.g. 'City of X Alerts'.")
    cap_sender: str = Field(min_length=1, max_length=128, description="CAP <sender>: an address naming the originator.")
    email_from: str = Field(min_length=3, max_length=255, description="From header of community e-mail.")


class ProfileMeta(_File):
    """``profile.json``: the city's name and the facts that are not geometry."""

    slug: str = Field(pattern=r"^[a-z0-9_]{1,64}$")
    name: str = Field(min_length=1, max_length=128)
    state: str = Field(min_length=2, max_length=2)
    time_zone: str = Field(description="IANA time zone of the city.")
    agency: str = Field(min_length=1, max_length=255, description="The police agency serving the city.")
    division_label: str = Field(default="Division", max_length=32, description="What a division is called.")
    district_label: str = Field(default="Reporting district", max_length=32, description="What a district is called.")
    alerts: AlertSenders
    simplify_tolerance_deg: dict[str, float] = Field(default_factory=dict)
    sources: list[str] = Field(min_length=1, description="Where each file came from, with its licence.")

    @field_validator("time_zone")
    @classmethod
    def _zone(cls, v: str) -> str:
        try:
            ZoneInfo(v)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown IANA time zone {v!r}") from exc
        return v


class AreaProps(_File):
    """Properties of one feature of ``divisions``, ``districts`` or ``neighborhoods``."""

    code: str = Field(min_length=1, max_length=32)
    name: str = Field(min_length=1, max_length=128)
    division: str | None = Field(default=None, max_length=32, description="Districts: the division's code.")
    districts: str | None = Field(default=None, description="Neighborhoods: the districts they were made from.")


class BoundaryProps(_File):
    name: str = Field(min_length=1, max_length=128)


class IntersectionRow(_File):
    """One row of ``intersections.csv``."""

    street_a: str = Field(min_length=1, max_length=128)
    street_b: str = Field(min_length=1, max_length=128)
    lat: float = Field(ge=-90, le=90)
    lon: float = Field(ge=-180, le=180)


class PlaceRow(_File):
    """One row of ``places.csv``."""

    kind: str = Field(pattern=r"^[a-z_]{1,32}$")
    name: str = Field(min_length=1, max_length=255)
    lat: float = Field(ge=-90, le=90)
    lon: float = Field(ge=-180, le=180)


class AreaRef(BaseModel):
    """A named area (division, district or neighborhood) by code and name."""

    code: str
    name: str


class PlaceMatch(BaseModel):
    """An intersection or named place of the city profile that matches a search."""

    kind: str = Field(description="intersection, or the place's kind (park, school...).")
    name: str
    lat: float
    lon: float


class Location(BaseModel):
    """Where a point lies in the city: its division (station), reporting district and neighborhood (each null when
    the point is outside every area of that kind)."""

    inside_city: bool
    division: AreaRef | None = None
    district: AreaRef | None = None
    neighborhood: AreaRef | None = None


class ProfileRead(BaseModel):
    """The city profile this deployment serves, without its geometry."""

    slug: str
    name: str
    state: str
    time_zone: str
    agency: str
    division_label: str
    district_label: str
    bbox: tuple[float, float, float, float] = Field(description="(min_lon, min_lat, max_lon, max_lat) of the city.")
    center: tuple[float, float] = Field(description="(lat, lon) of the middle of the bounding box.")
    divisions: list[AreaRef]
    districts: int = Field(description="How many reporting districts the profile has.")
    neighborhoods: list[AreaRef]
    intersections: int
    places: int
    sources: list[str]
