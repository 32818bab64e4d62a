"""Pure ingest rules: read ids, time windows, plate/region/confidence/epoch normalisation, native validation."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta, timezone

import pytest

from rtcc.alpr import logic
from rtcc.alpr.adapters import decode_json
from rtcc.alpr.adapters.native import parse_native
from rtcc.alpr.logic import DocumentError

NOW = datetime(2026, 3, 1, 12, 0, 0, tzinfo=UTC)


def test_read_id_is_deterministic_to_the_millisecond_and_scoped_by_camera() -> None:
    t = datetime(2026, 3, 1, 4, 0, 0, 123456, tzinfo=timezone(timedelta(hours=-8)))
    same_instant_utc = t.astimezone(UTC)
    a = logic.read_id("CAM-1", "7ABC123", t, None)
    assert a == logic.read_id("CAM-1", "7ABC123", same_instant_utc, None)
    assert a == logic.read_id("CAM-1", "7ABC123", t + timedelta(microseconds=400), None)  # same millisecond
    assert a != logic.read_id("CAM-1", "7ABC123", t + timedelta(milliseconds=1), None)
    assert a != logic.read_id("CAM-2", "7ABC123", t, None)
    assert a != logic.read_id("CAM-1", "7ABC124", t, None)
    assert a.version == 8  # time-ordered: the observed millisecond leads
    assert a.bytes[:6] == ((t - datetime(1970, 1, 1, tzinfo=UTC)) // timedelta(milliseconds=1)).to_bytes(6, "big")
    assert a.bytes == logic.read_key("CAM-1", "7ABC123", t, None)


def test_read_id_prefers_the_sensor_reference() -> None:
    t = NOW
    by_ref = logic.read_id("CAM-1", "7ABC123", t, "agent-1-42")
    assert by_ref == logic.read_id("CAM-1", "OTHER", t + timedelta(days=1), "agent-1-42")
    assert by_ref == logic.ref_read_id("CAM-1", "agent-1-42")
    assert by_ref != logic.read_id("CAM-2", "7ABC123", t, "agent-1-42")  # one camera cannot pre-empt another's ids
    assert by_ref != uuid.uuid5(logic.READ_NAMESPACE, "agent-1-42")


def test_storable_ref_keeps_short_refs_and_hashes_long_ones() -> None:
    assert logic.storable_ref(None) is None
    assert logic.storable_ref("x" * 128) == "x" * 128
    long = logic.storable_ref("y" * 500)
    assert long is not None and long.startswith("sha256:") and len(long) <= 128
    assert long == logic.storable_ref("y" * 500)
    assert long != logic.storable_ref("y" * 501)


@pytest.mark.parametrize(
    ("observed", "expected"),
    [
        (NOW, None),
        (NOW + timedelta(seconds=299), None),
        (NOW + timedelta(seconds=301), "in the future"),
        (NOW - timedelta(days=29, hours=23), None),
        (NOW - timedelta(days=30, seconds=1), "older than the 30-day retention period"),
        (NOW.replace(tzinfo=None), "timestamp has no timezone"),
    ],
)
def test_check_times(observed: datetime, expected: str | None) -> None:
    reason = logic.check_times(observed, NOW, max_future_s=300, retention_days=30)
    if expected is None:
        assert reason is None
    else:
        assert reason is not None and expected in reason


def test_plate_problem() -> None:
    assert logic.plate_problem("7ABC123", "7ABC123") is None
    assert "2 to 10" in (logic.plate_problem("-", "") or "")
    assert "2 to 10" in (logic.plate_problem("ABCDEFGHIJKL", "ABCDEFGHIJKL") or "")
    assert "longer than 16" in (logic.plate_problem("A" * 17, "A" * 17) or "")


@pytest.mark.parametrize(
    ("raw", "norm"),
    [("us-ca", "CA"), ("ca", "CA"), (" Mo ", "MO"), ("", None), (None, None), ("CA-ON", "ON"), ("x" * 9, None)],
)
def test_normalise_region(raw: str | None, norm: str | None) -> None:
    assert logic.normalise_region(raw) == norm


def test_confidence_percent() -> None:
    assert logic.confidence_percent(None) is None
    assert logic.confidence_percent(0.912) == pytest.approx(91.2)
    assert logic.confidence_percent(1.0) == pytest.approx(100.0)
    assert logic.confidence_percent(87.5) == pytest.approx(87.5)
    for bad in (-1, 100.1, float("nan")):
        with pytest.raises(ValueError, match="between 0 and 100"):
            logic.confidence_percent(bad)


def test_epoch_seconds_and_milliseconds() -> None:
    assert logic.epoch_to_datetime(1402161050) == datetime(2014, 6, 7, 17, 10, 50, tzinfo=UTC)
    assert logic.epoch_to_datetime(1448326208789) == datetime(2015, 11, 24, 0, 50, 8, 789000, tzinfo=UTC)
    assert logic.epoch_to_datetime(1607123958.748393).microsecond == 748393
    for bad in (0, -5, "soon", None, True, float("inf")):
        with pytest.raises(ValueError):
            logic.epoch_to_datetime(bad)


def test_decode_json_tolerates_bom_and_names_the_position() -> None:
    assert decode_json(b'\xef\xbb\xbf{"a": 1}') == {"a": 1}
    with pytest.raises(DocumentError) as err:
        decode_json(b'{\n  "a": 1\n  "b": 2\n}')
    message = str(err.value)
    assert message.startswith("invalid JSON at line 3 column 3 (char 13)")
    with pytest.raises(DocumentError, match="empty body"):
        decode_json(b"  ")


def test_native_batch_validates_each_read_and_names_the_field() -> None:
    doc = {
        "reads": [
            {"plate": "7ABC123", "observed_at": "2026-03-01T04:00:00-08:00", "camera": "C1", "confidence": 0.9},
            {"plate": "8XYZ789", "observed_at": "2026-03-01T04:00:00", "camera": "C1"},
            {"plate": "8XYZ789", "observed_at": "2026-03-01T04:00:00Z", "camera": "C1", "speed": 3},
            {"plate": "8XYZ789", "observed_at": "2026-03-01T04:00:00Z", "camera": "C1", "vehicle": {"make": "x" * 40}},
            "not an object",
        ]
    }
    parsed = parse_native(doc, source="rest")
    assert [r.plate for r in parsed.reads] == ["7ABC123"]
    read = parsed.reads[0]
    assert read.confidence == pytest.approx(90.0)
    assert read.observed_at == datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
    assert read.loc == "reads.0" and read.index == 0
    problems = {(p.index, p.field): p.reason for p in parsed.problems}
    assert problems[(1, "reads.1.observed_at")] == "timestamp has no timezone"
    assert (2, "reads.2.speed") in problems
    assert (3, "reads.3.vehicle.make") in problems
    assert problems[(4, "reads.4")] == "a read must be a JSON object"
    # every refused item keeps its own origin, so it can be dead-lettered and replayed alone
    assert all(p.origin is not None and p.origin.raw == doc["reads"][p.index] for p in parsed.problems)


def test_native_document_shapes() -> None:
    one = {"plate": "7ABC123", "observed_at": "2026-03-01T12:00:00Z"}
    parsed = parse_native(one, source="mqtt", topic_camera="CAM-9", raw_text="raw")
    assert parsed.reads[0].camera_code == "CAM-9"
    assert parsed.reads[0].origin is not None and parsed.reads[0].origin.raw == "raw"
    mismatch = parse_native({**one, "camera": "OTHER"}, source="mqtt", topic_camera="CAM-9")
    assert not mismatch.reads and "topic of camera 'CAM-9'" in mismatch.problems[0].reason
    assert len(parse_native([one, one], source="rest", default_camera="D").reads) == 2
    with pytest.raises(DocumentError, match="at most 1"):
        parse_native({"reads": [one, one]}, source="rest", max_batch=1)
    with pytest.raises(DocumentError, match="empty"):
        parse_native({"reads": []}, source="rest")
    with pytest.raises(DocumentError, match="unexpected field"):
        parse_native({"reads": [one], "extra": 1}, source="rest")
    with pytest.raises(DocumentError):
        parse_native(42, source="rest")


def test_fast_uuid5_equals_the_standard_library() -> None:
    for name in ("CAM-1|7ABC123|1700000000123", "x", "CAM|ref|é-ünïcode", ""):
        assert uuid.UUID(bytes=logic._uuid5_bytes(name)) == uuid.uuid5(logic.READ_NAMESPACE, name)


@pytest.mark.parametrize(
    "value",
    [
        datetime(2026, 11, 22, 1, 2, 3, 45678, tzinfo=UTC),
        datetime(2026, 1, 9, 23, 59, 59, 999999, tzinfo=UTC),
        datetime(2026, 12, 31, 0, 0, 0, 0, tzinfo=UTC),
        datetime(987, 6, 5, 4, 3, 2, 10, tzinfo=UTC),
        datetime(2026, 3, 4, 5, 6, 7, 100000, tzinfo=timezone(timedelta(0))),
    ],
)
def test_utc_iso_equals_isoformat(value: datetime) -> None:
    assert logic.utc_iso(value) == value.isoformat(timespec="microseconds")
