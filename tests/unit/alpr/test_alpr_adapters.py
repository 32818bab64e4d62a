"""Vendor adapters: OpenALPR/Rekor documents (our fixtures and every public sample in shared data), Frigate MQTT
messages (fixtures and the documentation's .jsonc samples), and CSV/JSONL file records."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime
from hashlib import sha256
from pathlib import Path
from typing import Any

import pytest

from rtcc.alpr.adapters import decode_json
from rtcc.alpr.adapters.files import FileReader, csv_item, guess_format
from rtcc.alpr.adapters.frigate import parse_frigate_event, parse_frigate_lpr_update
from rtcc.alpr.adapters.openalpr import parse_openalpr, split_make_model, vehicle_attributes
from rtcc.alpr.logic import DocumentError, NormalizedRead, Rejection, decode_jpeg, stored_read_key
from rtcc_testing import shared_data

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "alpr"


def load(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text())


def strip_jsonc(text: str) -> str:
    """Drop ``//`` comments outside strings (the Frigate documentation samples carry them)."""
    out: list[str] = []
    in_string = escaped = False
    i = 0
    while i < len(text):
        ch = text[i]
        if in_string:
            out.append(ch)
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
            out.append(ch)
        elif text.startswith("//", i):
            while i < len(text) and text[i] != "\n":
                i += 1
            continue
        else:
            out.append(ch)
        i += 1
    return "".join(out)


# --- OpenALPR, our fixtures -------------------------------------------------------------------------------------


def test_alpr_group_v2() -> None:
    parsed = parse_openalpr(load("openalpr_group_v2.json"))
    assert parsed.kind == "alpr_group" and not parsed.problems
    (r,) = parsed.reads
    assert r.camera_code == "openalpr:5550101"
    assert r.plate == "7ABC123" and r.region == "CA" and r.confidence == pytest.approx(91.5)
    assert r.observed_at == datetime(2023, 11, 14, 22, 13, 20, 123000, tzinfo=UTC)
    assert (r.lat, r.lon, r.heading) == (33.8583, -118.0648, 92.5)
    assert (r.vehicle_make, r.vehicle_model, r.vehicle_color, r.vehicle_type) == (
        "honda",
        "civic",
        "silver-gray",
        "sedan-standard",
    )
    assert r.source_ref == "TESTAGENT0000000000000000000000000000001-5550101-1700000000123"
    assert r.candidates == [{"plate": "7ABC123", "confidence": 91.5}, {"plate": "7A8C123", "confidence": 80.1}]
    assert r.agent_uid == "TESTAGENT0000000000000000000000000000001"


def test_alpr_results_gives_one_read_per_result() -> None:
    parsed = parse_openalpr(load("openalpr_results.json"))
    assert [r.plate for r in parsed.reads] == ["8XYZ789", "4DEF456"]
    assert [r.region for r in parsed.reads] == ["CA", "NV"]
    refs = [r.source_ref for r in parsed.reads]
    assert refs[0] is not None and refs[0].endswith("#0") and refs[1] is not None and refs[1].endswith("#1")
    assert parsed.reads[1].loc == "results.1"


def test_alpr_alert_becomes_a_vendor_alert_on_its_groups_read() -> None:
    parsed = parse_openalpr(load("openalpr_alert.json"))
    (r,) = parsed.reads
    assert r.plate == "6GHI321" and r.camera_code == "openalpr:5550101"
    # the agent's alert is not an OCR candidate (it used to be appended there, where nothing showed it)
    assert r.candidates == [{"plate": "6GHI321", "confidence": 94.0}]
    (va,) = parsed.vendor_alerts
    assert va.read is r and (va.alert_list, va.list_type, va.description) == (
        "Agent stolen list",
        "Blacklist",
        "test alert",
    )
    assert (va.plate, va.site_name, va.camera_name) == ("6GHI321", "test-site", "north gate")
    assert r.camera_label == "north gate"
    # the same pass sent as an alpr_group has the same reference, hence the same read id
    assert r.source_ref == "TESTAGENT0000000000000000000000000000001-5550101-1700000010000"
    group = load("openalpr_alert.json")["group"]
    (g,) = parse_openalpr(group).reads
    assert stored_read_key(g) == stored_read_key(r)
    (img,) = parsed.images
    assert img.kind == "crop" and r.crop_ref == img.key


# --- images inside documents ------------------------------------------------------------------------------------


def test_alpr_group_keeps_its_crops_as_the_reads_images() -> None:
    doc = load("openalpr_group_v2.json")
    parsed = parse_openalpr(doc)
    (r,) = parsed.reads
    assert not parsed.image_problems
    by_kind = {img.kind: img for img in parsed.images}
    assert set(by_kind) == {"crop", "vehicle"}
    crop = base64.b64decode(doc["best_plate"]["plate_crop_jpeg"])
    assert by_kind["crop"].data == crop and crop.startswith(b"\xff\xd8\xff")
    assert r.crop_ref == f"alpr-images/{sha256(crop).hexdigest()[:2]}/{sha256(crop).hexdigest()}.jpg"
    assert r.image_ref == by_kind["vehicle"].key and r.image_ref != r.crop_ref


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("...not stored...", "not valid base64"),
        ("@@@@", "not valid base64"),
        ("QUJD=RA==", "not valid base64"),
        (base64.b64encode(b"\x89PNG\r\n\x1a\n" + b"0" * 40).decode(), "not a JPEG"),
        (12345, "must be a base64 text"),
        (base64.b64encode(b"\xff\xd8\xff" + b"0" * 5000).decode(), "larger than the limit of 4096 bytes"),
    ],
)
def test_a_bad_crop_is_refused_by_its_field_and_the_read_is_kept(value: Any, reason: str) -> None:
    doc = load("openalpr_group_v2.json")
    doc["best_plate"]["plate_crop_jpeg"] = value
    parsed = parse_openalpr(doc, max_image_bytes=4096)
    (r,) = parsed.reads
    (problem,) = parsed.image_problems
    assert problem.field == "best_plate.plate_crop_jpeg" and reason in problem.reason and problem.code == "image"
    assert r.crop_ref is None and [img.kind for img in parsed.images] == ["vehicle"]
    alert = load("openalpr_alert.json")
    alert["group"]["best_plate"]["plate_crop_jpeg"] = value
    (problem,) = parse_openalpr(alert, max_image_bytes=4096).image_problems
    assert problem.field == "group.best_plate.plate_crop_jpeg"


def test_decode_jpeg_tolerates_data_urls_line_breaks_and_urlsafe_base64() -> None:
    jpeg = b"\xff\xd8\xff\xe0" + bytes(range(256)) * 3
    text = base64.b64encode(jpeg).decode()
    assert decode_jpeg("data:image/jpeg;base64," + text, 10_000) == jpeg
    assert decode_jpeg("\n".join(text[i : i + 76] for i in range(0, len(text), 76)), 10_000) == jpeg
    assert decode_jpeg(base64.urlsafe_b64encode(jpeg).decode().rstrip("="), 10_000) == jpeg


# --- make and model, camera label ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("make_model", "make", "expected"),
    [
        ("iveco_daily", None, ("iveco", "daily")),
        ("ford_focus", "ford", ("ford", "focus")),
        ("mini_cooper-s", "mini", ("mini", "cooper-s")),  # a value of the public samples
        ("mercedes-benz_c-class", "mercedes-benz", ("mercedes-benz", "c-class")),
        ("land-rover_range-rover", None, ("land-rover", "range-rover")),
        ("alfa_romeo_giulia", None, ("alfa_romeo", "giulia")),
        ("alfa_romeo_giulia", "alfa-romeo", ("alfa_romeo", "giulia")),
        ("land_rover_defender", "land rover", ("land_rover", "defender")),
        ("aston_martin_db9", None, ("aston_martin", "db9")),
        ("tesla", None, ("tesla", None)),
    ],
)
def test_make_model_split(make_model: str, make: str | None, expected: tuple[str, str | None]) -> None:
    assert split_make_model(make_model, make) == expected


def test_model_of_another_make_is_not_kept() -> None:
    v = {"make": [{"name": "ford", "confidence": 19}], "make_model": [{"name": "chevrolet_cruze", "confidence": 3}]}
    assert vehicle_attributes(v)["make"] == "ford" and vehicle_attributes(v)["model"] is None
    only_mm = {"make_model": [{"name": "alfa_romeo_giulia", "confidence": 40}]}
    assert (vehicle_attributes(only_mm)["make"], vehicle_attributes(only_mm)["model"]) == ("alfa_romeo", "giulia")


def test_camera_label_from_the_agents_config_or_camera_name() -> None:
    doc = load("openalpr_group_v2.json")
    assert parse_openalpr(doc).reads[0].camera_label is None
    doc["web_server_config"] = {"camera_label": "Artesia & Gridley NB", "agent_label": "pole 4"}
    assert parse_openalpr(doc).reads[0].camera_label == "Artesia & Gridley NB"
    results = load("openalpr_results.json")
    results["camera_name"] = "lot exit"
    assert {r.camera_label for r in parse_openalpr(results).reads} == {"lot exit"}


def test_alpr_alert_without_group() -> None:
    doc = load("openalpr_alert.json")
    del doc["group"]
    (r,) = parse_openalpr(doc).reads
    assert r.plate == "6GHI321" and r.camera_code == "openalpr:5550101"
    assert r.observed_at == datetime(2023, 11, 14, 22, 13, 30, tzinfo=UTC)


def test_heartbeat_gives_one_beat_per_stream_without_secrets() -> None:
    parsed = parse_openalpr(load("openalpr_heartbeat.json"))
    assert parsed.kind == "heartbeat" and not parsed.reads
    beats = {b.camera_code: b for b in parsed.heartbeats}
    assert set(beats) == {"openalpr:5550101", "openalpr:5550102"}
    assert beats["openalpr:5550101"].streaming is True and beats["openalpr:5550102"].streaming is False
    assert beats["openalpr:5550101"].name == "north gate"
    assert beats["openalpr:5550101"].lat == 33.8583
    info = beats["openalpr:5550101"].info
    assert info["fps"] == 12 and info["agent_version"] == "2.7.101"
    assert "license_key" not in info and "url" not in info


def test_vehicle_document() -> None:
    parsed = parse_openalpr(load("openalpr_vehicle.json"))
    (u,) = parsed.vehicle_updates
    assert u.camera_code == "openalpr:5550101"
    assert u.source_refs == ("TESTAGENT0000000000000000000000000000001-5550101-1700000000123",)
    assert (u.make, u.model, u.color, u.type) == ("toyota", "corolla", "blue", "sedan-compact")
    with pytest.raises(DocumentError, match="no vehicle attributes"):
        parse_openalpr({**load("openalpr_vehicle.json"), "vehicle": {}})


def test_openalpr_document_level_errors() -> None:
    with pytest.raises(DocumentError, match="unknown data_type"):
        parse_openalpr({"data_type": "parking_event"})
    with pytest.raises(DocumentError, match="no data_type"):
        parse_openalpr({"hello": 1})
    with pytest.raises(DocumentError, match="names no camera_id"):
        parse_openalpr({"data_type": "alpr_results", "epoch_time": 1, "results": []})
    assert parse_openalpr({"openalpr_webhook": "test"}).kind == "test"
    group = load("openalpr_group_v2.json")
    no_time = {k: v for k, v in group.items() if k not in ("epoch_start", "epoch_end")}
    problem = parse_openalpr(no_time).problems[0]
    assert problem.field == "epoch_time" and "no time" in problem.reason


def test_vehicle_attributes_tolerate_odd_shapes() -> None:
    assert vehicle_attributes(None) == {"make": None, "model": None, "color": None, "type": None}
    assert vehicle_attributes({"make": "ford", "color": [{"confidence": 3}]})["make"] == "ford"


# --- OpenALPR, the public samples --------------------------------------------------------------------------------


def test_every_public_openalpr_sample_parses() -> None:
    folder = shared_data("alpr_payloads", "openalpr_docs_examples")
    files = sorted(folder.iterdir())
    assert len(files) >= 10
    kinds: dict[str, int] = {}
    for path in files:
        raw = path.read_bytes()
        if "INVALID_JSON" in path.name:
            with pytest.raises(DocumentError, match=r"invalid JSON at line \d+ column \d+ \(char \d+\)"):
                decode_json(raw)
            continue
        parsed = parse_openalpr(decode_json(raw), default_camera="CLOUD-API")
        kinds[parsed.kind] = kinds.get(parsed.kind, 0) + 1
        assert not parsed.problems, (path.name, parsed.problems)
        # the documentation's crops are placeholders ("...base64 jpeg data..."): refused by field, reads kept
        for problem in parsed.image_problems:
            assert problem.field.endswith(("plate_crop_jpeg", "vehicle_crop_jpeg")), problem
            assert "not valid base64" in problem.reason
        if parsed.kind == "heartbeat":
            assert parsed.heartbeats, path.name
        else:
            assert parsed.reads, path.name
            for r in parsed.reads:
                assert r.plate and r.observed_at.tzinfo is not None and r.observed_at.year >= 2014
                assert r.confidence is None or 0 <= r.confidence <= 100
    assert kinds.keys() >= {"alpr_group", "alpr_results", "heartbeat"}


def test_public_samples_field_by_field() -> None:
    folder = shared_data("alpr_payloads", "openalpr_docs_examples")
    v1 = parse_openalpr(decode_json((folder / "alprd_rst__block02__alpr_group.json").read_bytes()))
    (r,) = v1.reads
    assert (r.plate, r.region, r.camera_code) == ("A13709", "MO", "openalpr:1414799424")
    assert r.observed_at == datetime(2015, 11, 24, 0, 50, 8, 789000, tzinfo=UTC)
    assert r.candidates is not None and len(r.candidates) == 10
    v2 = parse_openalpr(decode_json((folder / "app_integration_include__block02__alpr_group.json").read_bytes()))
    (g,) = v2.reads
    vehicle = (g.vehicle_make, g.vehicle_model, g.vehicle_color, g.vehicle_type)
    assert vehicle == ("ford", "focus", "black", "sedan-standard")
    assert g.lat == pytest.approx(37.635986328125) and g.heading == pytest.approx(85.5532836914062)
    cli = parse_openalpr(decode_json((folder / "alprd_rst__block01__alpr_cli_output.json").read_bytes()))
    assert [x.plate for x in cli.reads] == ["S11FRE", "EJLESSIE"]
    assert cli.reads[0].observed_at == datetime(2014, 6, 7, 17, 10, 50, tzinfo=UTC)  # epoch seconds
    assert cli.reads[1].observed_at == datetime(2014, 6, 7, 16, 20, 50, tzinfo=UTC)  # the result's own time
    cloud = parse_openalpr(
        decode_json((folder / "cloud_api_include__block01__alpr_results.json").read_bytes()), default_camera="CLOUD-API"
    )
    (c,) = cloud.reads
    assert (c.plate, c.region, c.camera_code, c.vehicle_make) == ("627WWI", "WA", "CLOUD-API", "daihatsu")
    assert c.source_ref is None  # the Cloud API's uuid is empty: the id derives from camera+plate+time
    with pytest.raises(DocumentError, match="names no camera_id"):
        parse_openalpr(decode_json((folder / "cloud_api_include__block01__alpr_results.json").read_bytes()))
    beat = parse_openalpr(decode_json((folder / "app_integration_include__block03__heartbeat.json").read_bytes()))
    assert [b.camera_code for b in beat.heartbeats] == ["openalpr:1234"] and beat.heartbeats[0].streaming is True


def test_elsag_template_is_an_empty_group() -> None:
    path = shared_data("alpr_payloads", "elsag_import_template", "alpr_group.template.json")
    parsed = parse_openalpr(decode_json(path.read_bytes()))
    assert not parsed.reads
    assert parsed.problems[0].field == "plate" and "no plate" in parsed.problems[0].reason


# --- Frigate --------------------------------------------------------------------------------------------------------


def test_frigate_event_with_plate() -> None:
    parsed = parse_frigate_event("frigate/events", load("frigate_event_lpr.json"))
    (r,) = parsed.reads
    assert r.camera_code == "frigate:shop_front" and r.plate == "5JKL678"
    assert r.confidence == pytest.approx(91.2)
    assert r.observed_at == datetime(2023, 11, 14, 22, 13, 52, 250000, tzinfo=UTC)
    assert r.source_ref == "1700000030.123456-abc123:5JKL678"


def test_frigate_lpr_update_has_the_same_reference_as_the_event() -> None:
    (u,) = parse_frigate_lpr_update(load("frigate_lpr_update.json")).reads
    (e,) = parse_frigate_event("frigate/events", load("frigate_event_lpr.json")).reads
    assert u.source_ref == e.source_ref and u.confidence == pytest.approx(95.0)


def test_frigate_messages_without_plates_are_ignored() -> None:
    event = load("frigate_event_lpr.json")
    event["after"]["recognized_license_plate"] = None
    assert parse_frigate_event("frigate/events", event).kind == "ignored"
    assert parse_frigate_lpr_update({"type": "description", "id": "x", "description": "a car"}).kind == "ignored"
    with pytest.raises(DocumentError, match="new, update, end"):
        parse_frigate_event("frigate/events", {"type": "moved", "after": {}})
    broken = load("frigate_lpr_update.json")
    broken["timestamp"] = "yesterday"
    assert parse_frigate_lpr_update(broken).problems[0].field == "timestamp"


def test_frigate_documentation_samples() -> None:
    folder = shared_data("alpr_payloads", "frigate_docs_mqtt_examples")
    event = json.loads(strip_jsonc((folder / "frigate_events_update_with_recognized_license_plate.jsonc").read_text()))
    (r,) = parse_frigate_event("frigate/events", event).reads
    assert (r.plate, r.camera_code) == ("ABC12345", "frigate:front_door")
    assert r.confidence == pytest.approx(93.3451)
    lpr = json.loads(strip_jsonc((folder / "frigate_tracked_object_update_lpr.jsonc").read_text()))
    (u,) = parse_frigate_lpr_update(lpr).reads
    assert (u.plate, u.camera_code) == ("123ABC", "frigate:driveway_cam")
    assert u.source_ref == "1607123955.475377-mxklsc:123ABC"


# --- files ------------------------------------------------------------------------------------------------------------


def _materialise(src: str, tmp_path: Path) -> Path:
    text = (FIXTURES / src).read_text()
    for i, t in enumerate(("2026-03-01T10:00:00Z", "2026-03-01T10:00:01+00:00", "2026-03-01T02:00:02-08:00"), 1):
        text = text.replace(f"{{T{i}}}", t)
    out = tmp_path / src
    out.write_text(text)
    return out


def test_csv_reader_with_one_bad_line(tmp_path: Path) -> None:
    path = _materialise("reads_one_bad.csv", tmp_path)
    seen: list[int] = []
    reader = FileReader(path, "csv", on_progress=seen.append)
    records = list(reader)
    assert sum(seen) == path.stat().st_size
    assert reader.ignored_columns == ["notes"]
    good = [r for r in records if isinstance(r, NormalizedRead)]
    bad = [r for r in records if isinstance(r, list)]
    assert [r.plate for r in good] == ["7ABC123", "8XYZ789", "6GHI 321"]
    assert good[0].vehicle_make == "Honda" and good[0].lat == 33.8583 and good[0].image_ref == "img://1"
    assert good[1].confidence == pytest.approx(88.0) and good[1].region == "CA"
    assert good[2].vehicle_color == "blue, dark"
    (problems,) = bad
    assert problems[0].index == 4 and problems[0].field == "observed_at"
    assert problems[0].reason == "timestamp has no timezone"
    origin = problems[0].origin
    assert origin is not None and origin.context["line"] == 4 and origin.context["header"][0] == "plate"
    assert origin.raw.startswith("4DEF456,CA")


def test_jsonl_reader_with_one_bad_line(tmp_path: Path) -> None:
    path = _materialise("reads_one_bad.jsonl", tmp_path)
    records = list(FileReader(path, "jsonl"))
    assert len(records) == 4  # the blank line is skipped
    bad = [r for r in records if isinstance(r, list)]
    assert len(bad) == 1 and bad[0][0].index == 4 and bad[0][0].field == "speed"


def test_file_reader_header_and_encoding_problems(tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    path.write_text("plate,camera\nABC123,C1\n")
    with pytest.raises(DocumentError, match="lacks observed_at"):
        list(FileReader(path, "csv"))
    path.write_bytes(b'plate,observed_at\nAB\xff123,2026-03-01T10:00:00Z\n"ML\nX",2026-03-01T10:00:00Z\n')
    records = list(FileReader(path, "csv", default_camera="C9"))
    assert isinstance(records[0], list) and isinstance(records[0][0], Rejection)
    assert records[0][0].reason == "the line is not valid UTF-8"
    assert isinstance(records[1], NormalizedRead) and records[1].plate == "ML\nX" and records[1].camera_code == "C9"
    assert guess_format(Path("a.ndjson")) == "jsonl"
    with pytest.raises(DocumentError):
        guess_format(Path("a.txt"))
    assert csv_item(["plate", "make", "x"], ["A1", "Ford", "y"]) == {"plate": "A1", "vehicle": {"make": "Ford"}}
