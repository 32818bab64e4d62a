"""The pure telemetry adapters: the JSON message, MAVLink decoding (frames encoded by pymavlink itself), the public
path coarsening and the monthly figures."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from pydantic import ValidationError

from rtcc.drones import coarsen, figures, mavlink, telemetry
from rtcc.drones.telemetry import TelemetryFix, TelemetryIn


def test_json_message_refuses_unknown_fields_and_names_the_field() -> None:
    with pytest.raises(ValidationError) as exc:
        TelemetryIn.model_validate({"lat": 33.8, "lon": -118.0, "camera_pitch": -90})
    assert "camera_pitch" in str(exc.value)
    with pytest.raises(ValidationError) as exc:
        TelemetryIn.model_validate({"lat": 95, "lon": -118.0})
    assert "lat" in str(exc.value)


def test_json_fix_takes_the_channel_drone_and_refuses_a_disagreeing_body() -> None:
    msg = TelemetryIn.model_validate({"drone": "D1", "lat": 33.8, "lon": -118.0, "camera_pitch_deg": -45})
    fix = telemetry.fix_from_json(msg, drone="D1", source="mqtt")
    assert (fix.drone, fix.camera_pitch_deg, fix.source) == ("D1", -45, "mqtt")
    with pytest.raises(ValueError, match="drone"):
        telemetry.fix_from_json(msg, drone="D2", source="mqtt")
    with pytest.raises(ValueError, match="drone: missing"):
        telemetry.fix_from_json(TelemetryIn(lat=1, lon=1), drone=None, source="http")


def test_topic_and_camera_down() -> None:
    assert telemetry.drone_of_topic("rtcc/drones/D1/telemetry", "rtcc") == "D1"
    assert telemetry.drone_of_topic("rtcc/units/D1/position", "rtcc") is None
    assert telemetry.camera_down(-60, -30) and not telemetry.camera_down(-10, -30)
    assert telemetry.camera_down(None, -30)  # unknown pitch counts as down


def test_mavlink_frames_from_pymavlink_become_one_fix_with_utc_time() -> None:
    mav = mavlink.encoder(7)
    fix = TelemetryFix("D7", None, 33.8612345, -118.0654321, 61.5, 270.0, 12.0, 77, -60.0, "sim")
    clock = mav.system_time_encode(1_765_000_000_000_000, 1_000).pack(mav)
    data = clock + mavlink.encode_fix(mav, fix, time_boot_ms=3_500)
    asm = mavlink.MavlinkAssembler(lambda s: "D7" if s == 7 else None)
    [out] = asm.feed_bytes(data)
    assert out.drone == "D7" and out.source == "mavlink"
    assert out.lat == pytest.approx(33.8612345) and out.lon == pytest.approx(-118.0654321)
    assert out.alt_m == pytest.approx(61.5) and out.heading_deg == pytest.approx(270.0)
    assert out.speed_mps == pytest.approx(12.0, abs=0.01) and out.battery_pct == 77
    assert out.camera_pitch_deg == pytest.approx(-60.0, abs=1e-3)
    assert out.at == datetime.fromtimestamp(1_765_000_000 + 2.5, tz=UTC)


def test_mavlink_unknown_system_and_garbage_are_counted_not_fixes() -> None:
    mav = mavlink.encoder(9)
    fix = TelemetryFix("X", None, 1.0, 2.0, None, None, None, None, None, "sim")
    asm = mavlink.MavlinkAssembler(lambda s: None)
    assert asm.feed_bytes(mavlink.encode_fix(mav, fix, time_boot_ms=1)) == []
    assert asm.stats.unknown_system == 4
    assert asm.feed_bytes(b"\x00\x01garbage") == []


def test_parse_systems_names_the_bad_item() -> None:
    assert mavlink.parse_systems("1=D1, 2=D2") == {1: "D1", 2: "D2"}
    with pytest.raises(ValueError, match="'x=D1'"):
        mavlink.parse_systems("x=D1")


def test_coarsened_path_keeps_away_from_the_call_and_snaps_to_cells() -> None:
    dock = (33.8600, -118.0900)
    call = (33.8600, -118.0500)
    track = [(33.86, -118.09 + i * 0.0004) for i in range(101)] + [(33.86, -118.05 - i * 0.0004) for i in range(101)]
    segments = coarsen.coarsen(track, [call], cell_m=250, private_radius_m=400)
    assert segments
    for seg in segments:
        assert len(seg) >= 2
        for p in seg:
            assert coarsen.distance_m(p, call) >= 400 and coarsen.distance_m(p, dock) >= 400
            assert coarsen.snap(p, 250) == p  # every vertex is a cell centre
    geo = coarsen.geojson_geometry(segments)
    assert geo is not None and geo["type"] == "MultiLineString"
    assert coarsen.coarsen(track[:1]) == []


def test_monthly_figures() -> None:
    def f(day: int, month: int, ct: str, t: float | None, cwp: bool | None) -> figures.FlightFacts:
        return figures.FlightFacts(datetime(2026, month, day, tzinfo=UTC), ct, t, cwp)

    out = figures.monthly(
        [
            f(1, 11, "burglary", 60, True),
            f(2, 11, "burglary", 100, False),
            f(3, 11, "shots", 90, None),
            f(1, 12, "shots", None, None),
        ]
    )
    assert [m.month for m in out] == ["2026-12", "2026-11"]
    nov = out[1]
    assert nov.flights == 3 and nov.median_time_to_scene_s == 90
    assert nov.share_cleared_without_patrol == 0.5 and nov.closed_calls == 2
    assert nov.share_by_call_type == {"burglary": 0.6667, "shots": 0.3333}
    assert out[0].median_time_to_scene_s is None and out[0].share_cleared_without_patrol is None


def test_cleared_without_patrol_definition() -> None:
    now = datetime(2026, 12, 1, tzinfo=UTC)
    assert figures.cleared_without_patrol(call_closed=False, drone_on_scene_at=now, ground_on_scene=[]) is None
    assert figures.cleared_without_patrol(call_closed=True, drone_on_scene_at=now, ground_on_scene=[]) is True
    assert figures.cleared_without_patrol(call_closed=True, drone_on_scene_at=now, ground_on_scene=[now]) is False
    assert figures.cleared_without_patrol(call_closed=True, drone_on_scene_at=None, ground_on_scene=[]) is False
