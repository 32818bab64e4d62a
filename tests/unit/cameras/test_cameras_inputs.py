"""The registry's input rules: field validation that names the field (the canvass gazetteer's tests are in
tests/unit/places)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from pydantic import ValidationError

from rtcc.cameras.schemas import CameraUpdate, CanvassQuery, OwnerCameraCreate


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
