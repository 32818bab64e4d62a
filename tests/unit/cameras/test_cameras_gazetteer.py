"""The canvass gazetteer and the registry's input rules: intersection names in any order and spelling the module
documents, unknown places, and field validation that names the field."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from pydantic import ValidationError

from rtcc.cameras import gazetteer
from rtcc.cameras.schemas import CameraUpdate, CanvassQuery, OwnerCameraCreate


@pytest.mark.parametrize(
    "text",
    [
        "Artesia Blvd & Norwalk Blvd",
        "norwalk and artesia",
        "NORWALK BOULEVARD / ARTESIA BOULEVARD",
        "artesia @ norwalk",
    ],
)
def test_intersection_in_any_order_and_spelling(text: str) -> None:
    place = gazetteer.resolve(text)
    assert place is not None
    assert (place.name, place.lat, place.lon) == ("Artesia Blvd & Norwalk Blvd", 33.873, -118.072)


def test_ordinals_directions_and_unknowns() -> None:
    p = gazetteer.resolve("Studebaker Road at 183rd Street")
    assert p is not None and (p.lat, p.lon) == (33.865, -118.099) and p.name == "183rd St & Studebaker Rd"
    p = gazetteer.resolve("Carmenita & South")  # "N SOUTH ST" in the source
    assert p is not None and (p.lat, p.lon) == (33.858, -118.046)
    assert gazetteer.resolve("Artesia Blvd") is None  # one street is not a place
    assert gazetteer.resolve("Main St & Elm St") is None
    assert gazetteer.resolve("Artesia & Artesia") is None
    assert len(gazetteer.places()) == 24


def test_schema_rules_name_the_field() -> None:
    with pytest.raises(ValidationError) as exc:
        OwnerCameraCreate(name="x", lat=33.8, lon=-118.0, fov_deg=0)
    assert exc.value.errors()[0]["loc"] == ("fov_deg",)
    with pytest.raises(ValidationError) as exc:
        OwnerCameraCreate(name="x", lat=33.8, lon=-118.0, stream_url="javascript:alert(1)")
    assert exc.value.errors()[0]["loc"] == ("stream_url",)
    with pytest.raises(ValidationError) as exc:
        CameraUpdate(snapshot_url="rtsp://cam.example/snap")
    assert exc.value.errors()[0]["loc"] == ("snapshot_url",)
    assert OwnerCameraCreate(name="x", lat=33.8, lon=-118.0, stream_url="rtsp://cam.example/live").stream_url
    with pytest.raises(ValidationError):
        OwnerCameraCreate.model_validate({"name": "x", "lat": 33.8, "lon": -118.0, "owner_user_id": "x"})
    assert CameraUpdate(stream_url="").stream_url == ""  # clears
    now = datetime.now(UTC)
    with pytest.raises(ValidationError, match="end must not be before start"):
        CanvassQuery(lat=1, lon=1, start=now, end=now.replace(year=now.year - 1))
    with pytest.raises(ValidationError, match="give lat and lon, or place"):
        CanvassQuery(lat=1, start=now, end=now)
    with pytest.raises(ValidationError, match="timezone"):
        CanvassQuery(lat=1, lon=1, start=now.replace(tzinfo=None), end=now)
