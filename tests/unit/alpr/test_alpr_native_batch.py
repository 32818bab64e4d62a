"""The native batch fast path (``adapters.native.validate_batch``): it accepts exactly what ``ReadIn`` accepts and
produces the same reads, and anything ``ReadIn`` refuses sends the batch back to the item-by-item path, so
rejections still name the item and the field."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest
from pydantic import TypeAdapter

from rtcc.alpr.adapters.native import parse_native, validate_batch, validate_item
from rtcc.alpr.logic import NormalizedRead, Origin
from rtcc.alpr.schemas import ReadFields, ReadIn


def _shape(schema: Any, defs: dict[str, Any]) -> Any:
    """A JSON schema without titles, descriptions and defaults, with references resolved."""
    if isinstance(schema, dict):
        if "$ref" in schema:
            return _shape(defs[schema["$ref"].rsplit("/", 1)[1]], defs)
        return {k: _shape(v, defs) for k, v in schema.items() if k not in ("title", "description", "default", "$defs")}
    if isinstance(schema, list):
        return [_shape(v, defs) for v in schema]
    return schema


def test_the_fast_schema_has_the_fields_and_constraints_of_read_in() -> None:
    model = ReadIn.model_json_schema()
    fast = TypeAdapter(ReadFields).json_schema()
    assert _shape(fast, fast.get("$defs", {})) == _shape(model, model.get("$defs", {}))


VALID: list[dict[str, Any]] = [
    {"plate": "7ABC123", "observed_at": "2026-03-01T10:00:00Z", "camera": "CAM-1"},
    {
        "plate": "7abc-123",
        "region": "us-ca",
        "confidence": 0.87,
        "observed_at": "2026-03-01T02:00:00.123456-08:00",
        "camera": "CAM-2",
        "lat": 33.86,
        "lon": -118.07,
        "heading": 359.5,
        "vehicle": {"make": "Toyota", "model": "Camry", "color": "white", "type": "sedan"},
        "image_ref": "s3://img/1.jpg",
        "crop_ref": "s3://img/1c.jpg",
        "candidates": [{"plate": "7A8C123", "confidence": 80}, {"plate": "7ABC12"}],
        "id": "sensor-42",
    },
    {"plate": "X1", "region": "  ", "confidence": 55, "observed_at": "2026-03-01T10:00:00+02:00", "camera": "C"},
    {"plate": "8XYZ789", "region": None, "vehicle": None, "candidates": [], "observed_at": 1772359200, "camera": "C"},
    {"plate": "8XYZ789", "vehicle": {"color": "red"}, "observed_at": "2026-03-01T10:00:00Z", "camera": "C"},
]


def _without_origin(r: NormalizedRead) -> dict[str, Any]:
    fields = dataclasses.asdict(dataclasses.replace(r, origin=None))
    return fields


def test_fast_path_reads_equal_the_item_by_item_reads() -> None:
    ctx = {"channel": "native"}
    fast = validate_batch(VALID, source="rest", ctx=ctx, prefix="reads.")
    assert fast is not None and len(fast) == len(VALID)
    for i, item in enumerate(VALID):
        origin = Origin("rest", item, ctx, f"reads.{i}")
        slow = validate_item(item, index=i, loc=f"reads.{i}", origin=origin)
        assert isinstance(slow, NormalizedRead)
        assert _without_origin(fast[i]) == _without_origin(slow)
        got = fast[i].origin
        assert got is not None and (got.source, got.raw, got.context, got.loc) == ("rest", item, ctx, f"reads.{i}")
    assert fast[1].confidence == pytest.approx(87.0) and fast[1].region == "CA" and fast[2].region is None


@pytest.mark.parametrize(
    ("bad", "field"),
    [
        ({"observed_at": "2026-03-01T10:00:00"}, "reads.1.observed_at"),  # no timezone (ReadIn's own check)
        ({"region": "CALIFORNIA-STATE"}, "reads.1.region"),  # not a region code (ReadIn's validator)
        ({"plate": "A" * 17}, "reads.1.plate"),
        ({"vehicle": {"make": "x", "wheels": 4}}, "reads.1.vehicle.wheels"),
        ({"candidates": [{"plate": ""}]}, "reads.1.candidates.0.plate"),
        ({"colour": "red"}, "reads.1.colour"),
        ({"confidence": 101}, "reads.1.confidence"),
    ],
)
def test_a_refused_item_falls_back_and_is_named(bad: dict[str, Any], field: str) -> None:
    items = [VALID[0], {**VALID[0], **bad}, VALID[4]]
    assert validate_batch(items, source="rest", ctx={}, prefix="reads.") is None
    parsed = parse_native({"reads": items}, source="rest")
    assert [r.index for r in parsed.reads] == [0, 2]
    assert [(p.index, p.field) for p in parsed.problems] == [(1, field)]
