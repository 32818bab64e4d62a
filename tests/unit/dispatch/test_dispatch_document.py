"""The neutral CallDocument: UTC times, validation that names fields, source normalisation, the parse benchmark."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from pydantic import ValidationError

from rtcc.dispatch.adapters.bench import synthetic_alexandria_csv, time_cad_file
from rtcc.dispatch.adapters.document import CallDocument, normalise_source


def test_times_become_utc_and_naive_times_are_refused():
    pacific = timezone(timedelta(hours=-8))
    doc = CallDocument(external_id="1", times={"received": datetime(2026, 12, 5, 21, 40, tzinfo=pacific)})  # type: ignore[arg-type]
    assert doc.times.received == datetime(2026, 12, 6, 5, 40, tzinfo=UTC) and doc.times.received.tzinfo is UTC
    with pytest.raises(ValidationError) as err:
        CallDocument(external_id="1", times={"received": datetime(2026, 12, 5, 21, 40)})  # type: ignore[arg-type]
    assert err.value.errors()[0]["loc"] == ("times", "received")


@pytest.mark.parametrize(
    ("data", "loc"),
    [
        ({"external_id": ""}, ("external_id",)),
        ({"external_id": "1", "location": {"lat": 33.8}}, ("location",)),
        ({"external_id": "1", "location": {"lat": 91, "lon": 0}}, ("location", "lat")),
        ({"external_id": "1", "call_type": {"apco": "alr ba"}}, ("call_type", "apco")),
        ({"external_id": "1", "call_type": {}}, ("call_type",)),
        ({"external_id": "1", "common_priority": 11}, ("common_priority",)),
        ({"external_id": "1", "source": "pigeon"}, ("source",)),
        ({"external_id": "1", "colour": "red"}, ("colour",)),
        ({"external_id": "1", "notes": [{"text": ""}]}, ("notes", 0, "text")),
    ],
)
def test_bad_fields_are_named(data, loc):
    with pytest.raises(ValidationError) as err:
        CallDocument.model_validate(data)
    assert err.value.errors()[0]["loc"] == loc


def test_status_is_the_furthest_step():
    doc = CallDocument.model_validate(
        {"external_id": "1", "times": {"received": "2026-01-01T00:00:00Z", "on_scene": "2026-01-01T00:09:00Z"}}
    )
    assert doc.status() == "on_scene"
    reopened = doc.model_copy(
        update={
            "times": doc.times.model_copy(
                update={"closed": doc.times.on_scene, "reopened": doc.times.on_scene + timedelta(hours=1)}
            )
        }  # type: ignore[operator]
    )
    assert reopened.status() == "reopened"
    assert CallDocument(external_id="1").status() is None


def test_normalise_source():
    assert [
        normalise_source(s) for s in ("E-911", "Phone", "OFFICER", "Radio", "Text", "C2C", "NOT CAPTURED", "", None)
    ] == [
        "911",
        "phone",
        "officer",
        "radio",
        "text",
        "other",
        None,
        None,
        None,
    ]


def test_parse_benchmark_smoke(tmp_path: Path):
    path = tmp_path / "synthetic.csv"
    path.write_text(synthetic_alexandria_csv(300, seed=3))
    figures = time_cad_file(path, repeats=1)
    assert figures["cad_rows"] == 300 and figures["cad_problems"] == 0
    assert figures["cad_parse_rows_per_s"] > 0 and figures["cad_csv_only_rows_per_s"] > 0
