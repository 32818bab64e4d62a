"""Pure search rules: pattern parsing and checking, index grams, keyset cursors, stops, common plates, co-travel."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from rtcc.core.errors import ValidationFailed
from rtcc.investigations import logic

T0 = datetime(2026, 11, 1, 10, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("raw", "mode", "plate", "ok"),
    [
        ("7AB*12", "auto", "7AB12", True),
        ("7AB*12", "auto", "7ABXYZ12", True),
        ("7ab-*12", "auto", "7ABC12", True),
        ("7AB*12", "auto", "7AB123", False),
        ("?XYZ123", "auto", "8XYZ123", True),
        ("?XYZ123", "auto", "XYZ123", False),
        ("?XYZ123", "auto", "88XYZ123", False),
        ("XYZ", "partial", "9XYZ1234", True),
        ("XYZ", "partial", "9XY1234", False),
        ("7ABC123", "auto", "7ABC123", True),
        ("7ABC123", "auto", "7ABC1234", False),
    ],
)
def test_patterns_are_anchored_and_checked_exactly(raw: str, mode: logic.Mode, plate: str, ok: bool) -> None:
    assert logic.parse_plate_query(raw, mode).accepts(plate) is ok


def test_modes_and_refusals_name_the_field() -> None:
    assert logic.parse_plate_query("7AB*12").mode == "wildcard"
    assert logic.parse_plate_query("7 abc 123").text == "7ABC123"
    assert logic.parse_plate_query("7AB**12").text == "7AB*12"
    for raw, mode in (("AB", "partial"), ("*A*", "wildcard"), ("7*", "exact"), ("7AB*", "partial"), ("A", "exact")):
        with pytest.raises(ValidationFailed) as err:
            logic.parse_plate_query(raw, mode)  # type: ignore[arg-type]
        assert err.value.errors[0]["field"] == "plate"
    with pytest.raises(ValidationFailed) as err:
        logic.parse_plate_query("7ABC123", "similar", max_diff=2)
    assert err.value.errors[0]["field"] == "max_diff"


def test_similar_uses_ocr_classes_and_one_extra_position() -> None:
    q0 = logic.parse_plate_query("7ABC123", "similar", 0)
    assert q0.on == "ocr" and [p.text for p in q0.patterns] == ["7A8C123"]
    assert q0.accepts("7A8C123") and q0.accepts("7ABC1Z3") and not q0.accepts("7ABC128")
    assert q0.kind_of("7ABC123") == "exact" and q0.kind_of("7A8C123") == "ocr"
    q1 = logic.parse_plate_query("7ABC123", "similar", 1)
    assert len(q1.patterns) == 7 and q1.patterns[6].text == "7A8C12?"
    assert q1.accepts("7ABC128") and q1.kind_of("7ABC128") == "fuzzy"
    assert not q1.accepts("7ABC188") and not q1.accepts("7ABC1234")


def test_grams_cover_every_plain_run() -> None:
    assert logic.Pattern("7AB*123").grams == ["7AB", "123"]
    assert logic.Pattern("?XYZ123").grams == ["XYZ", "YZ1", "Z12", "123"]
    assert logic.Pattern("7?B*1").grams == []
    assert logic.grams_of("7ABC123", "7A8C123") == {"7AB", "ABC", "BC1", "C12", "123", "7A8", "A8C", "8C1"}
    assert logic.Pattern("7AB*123").like == "7AB%123" and logic.Pattern("?X").like == "_X"


def test_cursor_round_trip_and_garbage() -> None:
    rid = uuid.uuid4()
    assert logic.decode_cursor(logic.encode_cursor(T0, rid)) == (T0, rid)
    with pytest.raises(ValidationFailed) as err:
        logic.decode_cursor("not-a-cursor")
    assert err.value.errors[0]["field"] == "cursor"


def _p(minutes: float, lat: float, lon: float, cam: str = "A") -> logic.Point:
    return logic.Point(T0 + timedelta(minutes=minutes), lat, lon, cam)


def test_stops_dwell_and_gap() -> None:
    points = [
        _p(0, 33.86, -118.08, "A"),
        _p(4, 33.8601, -118.0801, "A"),  # ~14 m away, 4 minutes later
        _p(8, 33.8602, -118.08, "A2"),  # still within 150 m: a dwell of 8 minutes, 3 reads
        _p(15, 33.87, -118.08, "B"),  # 1.1 km north
        _p(135, 33.86, -118.065, "C"),  # 2 hours later: a gap
    ]
    stops = logic.find_stops(points, radius_m=150, min_dwell_s=300, gap_s=3600)
    assert [s.kind for s in stops] == ["dwell", "gap"]
    dwell, gap = stops
    assert dwell.reads == 3 and dwell.duration_s == 480 and dwell.camera_codes == ("A", "A2")
    assert gap.start == points[3].observed_at and gap.end == points[4].observed_at and gap.duration_s == 7200
    assert 1500 < gap.distance_m < 1900 and (gap.lat, gap.lon) == (33.87, -118.08)
    # a short dwell is not a stop, and a long wait inside one dwell is not also a gap
    assert logic.find_stops(points[:2], radius_m=150, min_dwell_s=300, gap_s=3600) == []
    parked = [_p(0, 33.86, -118.08), _p(120, 33.86, -118.08)]
    assert [s.kind for s in logic.find_stops(parked, radius_m=150, min_dwell_s=300, gap_s=3600)] == ["dwell"]


def test_common_plates_rank_by_places_then_reads() -> None:
    per_place = [
        [("AAA111", "AAA111"), ("BBB222", "BBB222"), ("BBB222", "BBB222")],
        [("AAA111", "AAA111"), ("BBB222", "BBB222"), ("CCC333", "CCC333")],
        [("AAA111", "AAA111"), ("CCC333", "CCC333")],
    ]
    ranked = logic.rank_common(per_place, min_places=2)
    assert [(t.plate_norm, sorted(t.places), t.reads) for t in ranked] == [
        ("AAA111", [0, 1, 2], 3),
        ("BBB222", [0, 1], 3),
        ("CCC333", [1, 2], 2),
    ]
    assert [t.plate_norm for t in logic.rank_common(per_place, min_places=3)] == ["AAA111"]


def test_cotravel_counts_distinct_cameras_and_skips_the_target() -> None:
    s = logic.Sighting
    sightings = [
        s(0, "TGT1", "TGT1", "A", 0),
        s(0, "FRIEND", "FRIEND", "A", 20),
        s(1, "FRIEND", "FRIEND", "B", -5),
        s(2, "FRIEND", "FRIEND", "C", 40),
        s(0, "PASSER", "PASSER", "A", 10),
        s(3, "PASSER", "PASSER", "A", 3),
    ]
    ranked = logic.rank_cotravel(sightings, target="TGT1", min_cameras=2)
    assert [(t.plate_norm, sorted(t.cameras), t.reads, t.min_gap_s) for t in ranked] == [
        ("FRIEND", ["A", "B", "C"], 3, 5.0)
    ]
    assert [t.plate_norm for t in logic.rank_cotravel(sightings, target="TGT1", min_cameras=1)] == [
        "FRIEND",
        "PASSER",
    ]
