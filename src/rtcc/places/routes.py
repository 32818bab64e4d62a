"""HTTP routes of the places domain (``/api/v1/places``). Public: the city profile (name, time zone, divisions,
neighborhoods) and where a point lies are public geography, the same for every visitor, and hold no personal data."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from rtcc.identity.deps import public
from rtcc.places import service
from rtcc.places.schemas import Location, PlaceMatch, ProfileRead

router = APIRouter(tags=["places"])
P = "/api/v1/places"


@router.get(f"{P}/profile", dependencies=[public()])
def profile() -> ProfileRead:
    """The city this deployment serves: name, time zone, agency, divisions and neighborhoods."""
    return service.profile_read()


@router.get(f"{P}/basemap.geojson", dependencies=[public()])
def basemap() -> dict[str, Any]:
    """The city boundary as a GeoJSON FeatureCollection (feature ``kind`` 'boundary'): the web map's base layer for
    a city whose app build bundles no street map."""
    return service.basemap()


@router.get(f"{P}/locate", dependencies=[public()])
def locate(lat: Annotated[float, Query(ge=-90, le=90)], lon: Annotated[float, Query(ge=-180, le=180)]) -> Location:
    """The division (station), reporting district and neighborhood a point lies in."""
    return service.locate(lat, lon)


@router.get(f"{P}/search", dependencies=[public()])
def search(
    q: Annotated[str, Query(min_length=1, max_length=128, description="An intersection or place, as typed.")],
    limit: Annotated[int, Query(ge=1, le=50)] = 10,
) -> list[PlaceMatch]:
    """Intersections and named places of the city profile matching ``q`` (the exact resolution first)."""
    return service.search(q, limit)
