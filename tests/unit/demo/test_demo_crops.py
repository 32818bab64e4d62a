"""The demo's simulated plate crops: validated tokens, a deterministic and inert SVG, and the feeder's crop refs,
which show the plate the car really carries (so a misread's crop differs from the OCR text)."""

from __future__ import annotations

import base64
import re
import xml.etree.ElementTree as ET
from datetime import UTC, datetime

import numpy as np
import pytest

from rtcc.demo import crops, feeder, world
from rtcc.demo.traffic import SCHEDULED, TrafficModel

SVG = "{http://www.w3.org/2000/svg}"


def _texts(svg: str) -> list[str]:
    return [t.text or "" for t in ET.fromstring(svg).iter(f"{SVG}text")]


def _forge(payload: str, *, tag: str | None = None) -> str:
    """A token of any payload, with its correct check tag unless one is given (to prove payloads are validated)."""
    raw = payload.encode("latin-1")
    data = base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")
    return f"{data}.{tag if tag is not None else crops._tag(raw)}"


def test_token_round_trip_and_opacity() -> None:
    token = crops.crop_token("8JOV417", "CA")
    assert crops.parse_token(token) == ("8JOV417", "CA")
    assert crops.crop_ref("8JOV417", "CA") == f"/api/v1/demo/crops/{token}"
    assert "8JOV417" not in token and "CA" not in token  # the URL printed under the crop does not spell the plate
    assert token != crops.crop_token("8JDV417", "CA")
    assert crops.parse_token(crops.crop_token("A1", "DC")) == ("A1", "DC")
    assert crops.parse_token(crops.crop_token("ABCD1234", "TX")) == ("ABCD1234", "TX")  # 8 characters: the longest
    assert crops.parse_token(_forge("NV:123ABC")) == ("123ABC", "NV")


@pytest.mark.parametrize(
    "token",
    [
        "",
        "CA-8JOV417",  # a readable token is not a token
        _forge("CA:8JOV417", tag="000000"),  # wrong check tag
        _forge("CA:8JOV417").upper(),
        _forge("CA:8JOV417") + "=",
        _forge("CA:8JOV417") + ".1",
        _forge("ca:8JOV417"),  # correct tags, but payloads that are not a state and a plate
        _forge("CA:8jov417"),
        _forge("ZZ:8JOV417"),
        _forge("XX:ABC"),
        _forge("CA:ABCDEFGHI"),  # 9 characters
        _forge("CA:8JOV 417"),
        _forge("CA:"),
        _forge("CA:<svg>"),
        _forge("CA:8JOV417\n"),
        _forge("CA-8JOV417"),
        "Q0E6OEpPVjQxNw=.57bfa2",  # padding: one canonical spelling only
        "00000000-0000-0000-0000-000000000000",
    ],
)
def test_bad_tokens_are_refused(token: str) -> None:
    with pytest.raises(ValueError):
        crops.parse_token(token)


@pytest.mark.parametrize(("plate", "region"), [("8JOV417", "QQ"), ("8JOV41<", "CA"), ("", "CA"), ("A" * 9, "CA")])
def test_unrenderable_plates_have_no_crop(plate: str, region: str) -> None:
    assert crops.crop_ref(plate, region) is None
    with pytest.raises(ValueError):
        crops.render_svg(plate, region)


def test_svg_is_deterministic_and_shows_plate_state_and_simulated_mark() -> None:
    a = crops.render_svg("8JOV417", "CA")
    assert a == crops.render_svg("8JOV417", "CA")
    assert a != crops.render_svg("8JDV417", "CA")  # a different plate: different text and different noise
    root = ET.fromstring(a)
    assert root.tag == f"{SVG}svg" and root.get("width") == "360" and root.get("height") == "180"
    texts = _texts(a)
    assert "8JOV417" in texts and "California" in texts and "SIMULATED" in texts
    assert "8JDV417" not in a
    plate_text = next(t for t in root.iter(f"{SVG}text") if t.text == "8JOV417")
    assert plate_text.get("fill") == "#1b2a6b"  # dark blue characters
    state_text = next(t for t in root.iter(f"{SVG}text") if t.text == "California")
    assert state_text.get("fill") == "#c8102e" and "cursive" in (state_text.get("font-family") or "")
    nv = crops.render_svg("123ABC", "NV")
    assert "Nevada" in _texts(nv) and "dmv.ca.gov" not in nv


def test_svg_is_inert_no_script_no_external_reference() -> None:
    for plate, region in [("8JOV417", "CA"), ("ABCD1234", "DC"), ("1", "WY")]:
        svg = crops.render_svg(plate, region)
        root = ET.fromstring(svg)
        tags = {el.tag.removeprefix(SVG) for el in root.iter()}
        assert not tags & {"script", "image", "foreignObject", "a", "use", "style", "iframe"}
        for el in root.iter():
            for name, value in el.attrib.items():
                assert not name.lower().startswith("on"), name
                assert "href" not in name.lower(), name
                assert "javascript:" not in value.lower()
        # every url(...) points inside the document
        assert all(ref.startswith("#") for ref in re.findall(r"url\(([^)]*)\)", svg))
        assert "http" not in svg.replace('xmlns="http://www.w3.org/2000/svg"', "")


def test_feeder_crop_shows_the_true_plate_of_a_misread() -> None:
    model = TrafficModel(np.random.default_rng(3), world.cameras(), circulating=0)
    start = datetime(2026, 11, 20, 16, 0, tzinfo=UTC)
    scheduled = model.schedule_hotlisted(start)
    (misread,) = [r for r in scheduled if r.is_misread]
    veh = next(v for v in SCHEDULED if v.misread_as)
    body = feeder.read_json(misread)
    assert body["plate"] == veh.misread_as == "8JDV417"
    assert body["crop_ref"] == crops.crop_ref("8JOV417", "CA")  # the plate on the car, not the OCR text
    assert body["crop_ref"] != crops.crop_ref("8JDV417", "CA")
    for r in scheduled:
        if not r.is_misread:
            assert feeder.read_json(r)["crop_ref"] == crops.crop_ref(r.plate, r.region)


def test_every_background_read_gets_a_loadable_crop() -> None:
    model = TrafficModel(np.random.default_rng(11), world.cameras(), circulating=0)
    start = datetime(2026, 11, 20, 16, 0, tzinfo=UTC)
    reads = model.reads_between(start, start.replace(minute=10), speedup=3.0)
    assert len(reads) > 500
    misreads = 0
    for r in reads:
        ref = feeder.read_json(r)["crop_ref"]
        assert isinstance(ref, str) and ref.startswith("/api/v1/demo/crops/"), (r, ref)
        plate, region = crops.parse_token(ref.rsplit("/", 1)[1])
        assert (plate, region) == (r.true_plate, r.region)
        misreads += r.is_misread
    assert misreads > 0  # background misreads exist, and their crops show the true plate too
