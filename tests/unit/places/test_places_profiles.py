"""City profiles: the packaged Cerritos and Los Angeles profiles load and answer where a point lies; a broken profile
is refused with the file and field named; the area index agrees with a plain scan; the gazetteer resolves
intersections in any order and spelling; the package never reads the shared data folder."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from rtcc.core.errors import ProfileInvalid
from rtcc.places import service
from rtcc.places.loader import load_profile, packaged_profiles, profile_folder

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture(autouse=True)
def _restore_profile() -> Iterator[None]:
    yield
    service.activate("cerritos")


def test_packaged_profiles_and_their_sizes() -> None:
    assert packaged_profiles() == ["cerritos", "los_angeles"]
    for slug in packaged_profiles():
        folder = profile_folder(slug)
        size = sum(f.stat().st_size for f in folder.iterdir())
        assert size < 3_000_000, (slug, size)  # simplified: a few MB at most
    la = load_profile("los_angeles")
    assert len(la.divisions) == 21 and len(la.districts) == 1135 and len(la.neighborhoods) > 100
    assert {a.name for a in la.divisions.areas} >= {"Central", "Hollenbeck", "Topanga", "77th Street", "Olympic"}
    assert {d.division for d in la.districts.areas} == {a.code for a in la.divisions.areas}
    cer = load_profile("cerritos")
    assert [a.code for a in cer.districts.areas] == [*(str(n) for n in range(2310, 2320)), "2357"]
    assert [a.code for a in cer.neighborhoods.areas] == ["nw", "ne", "sw", "se"]
    assert cer.meta.alerts.sender_name == "City of Cerritos Community Alerts"
    assert la.meta.alerts.sender_name == "City of Los Angeles Community Alerts"
    assert cer.meta.time_zone == la.meta.time_zone == "America/Los_Angeles"


@pytest.mark.parametrize(
    ("slug", "lat", "lon", "division", "district", "hood"),
    [
        ("los_angeles", 34.0447, -118.2049, "Hollenbeck", "0466", "Boyle Heights"),
        ("los_angeles", 34.058, -118.2759, "Rampart", "0245", "Westlake"),
        ("cerritos", 33.865, -118.063, "Cerritos Station", "2316", "Southeast Cerritos"),
        ("cerritos", 33.881, -118.031, "Cerritos Station", "2319", "Northeast Cerritos"),
    ],
)
def test_locate(slug: str, lat: float, lon: float, division: str, district: str, hood: str) -> None:
    service.activate(slug)
    loc = service.locate(lat, lon)
    assert loc.inside_city
    assert loc.division is not None and loc.division.name == division
    assert loc.district is not None and loc.district.code == district
    assert loc.neighborhood is not None and loc.neighborhood.name == hood


def test_outside_the_city_is_nowhere() -> None:
    service.activate("los_angeles")
    loc = service.locate(33.87, -118.06)  # Cerritos is not Los Angeles
    assert not loc.inside_city and loc.division is None and loc.district is None and loc.neighborhood is None
    service.activate("cerritos")
    assert service.locate(33.87, -118.06).inside_city


def test_area_index_agrees_with_the_plain_scan() -> None:
    la = load_profile("los_angeles")
    rng = np.random.default_rng(3)
    lats, lons = rng.uniform(33.70, 34.34, 400), rng.uniform(-118.67, -118.15, 400)
    fast = [la.districts.find(a, b) for a, b in zip(lats, lons, strict=True)]
    slow = [la.districts.find_naive(a, b) for a, b in zip(lats, lons, strict=True)]
    many = la.districts.find_many(lats, lons)
    assert fast == slow == many
    assert sum(x is not None for x in fast) > 100  # the sample really lands in districts


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
    service.activate("cerritos")
    place = service.resolve_intersection(text)
    assert place is not None
    assert (place.name, place.lat, place.lon) == ("Artesia Blvd & Norwalk Blvd", 33.873, -118.072)


def test_ordinals_directions_unknowns_and_other_cities() -> None:
    service.activate("cerritos")
    p = service.resolve_intersection("Studebaker Road at 183rd Street")
    assert p is not None and (p.lat, p.lon) == (33.865, -118.099) and p.name == "183rd St & Studebaker Rd"
    p = service.resolve_intersection("Carmenita & South")  # "N SOUTH ST" in the source
    assert p is not None and (p.lat, p.lon) == (33.858, -118.046)
    assert service.resolve_intersection("Artesia Blvd") is None  # one street is not a place
    assert service.resolve_intersection("Main St & Elm St") is None
    assert service.resolve_intersection("Artesia & Artesia") is None
    assert len(service.intersections()) == 24
    assert service.resolve_intersection("Alvarado & Wilshire") is None  # a Los Angeles intersection
    service.activate("los_angeles")
    p = service.resolve_intersection("Wilshire Blvd & Alvarado St")
    assert p is not None and (p.lat, p.lon) == (34.058, -118.2759)
    assert len(service.intersections()) > 2000


def test_named_places_resolve() -> None:
    service.activate("cerritos")
    park = next(r for r in service.places("park"))
    found = service.resolve(park.name.lower())
    assert found is not None and (found.lat, found.lon) == (park.lat, park.lon)


def _copy(tmp_path: Path) -> Path:
    dst = tmp_path / "city"
    shutil.copytree(profile_folder("cerritos"), dst)
    return dst


def test_a_folder_profile_loads(tmp_path: Path) -> None:
    folder = _copy(tmp_path)
    meta = json.loads((folder / "profile.json").read_text())
    meta.update(slug="testville", name="Testville")
    (folder / "profile.json").write_text(json.dumps(meta))
    prof = service.activate(str(folder))
    assert prof.meta.name == "Testville" and service.city_name() == "Testville"


def test_bad_profiles_name_the_file_and_field(tmp_path: Path) -> None:
    with pytest.raises(ProfileInvalid, match="neither a packaged profile") as unknown:
        load_profile(str(tmp_path / "nowhere"))
    assert unknown.value.errors[0]["loc"] == ["settings", "city_profile"]

    folder = _copy(tmp_path)
    meta = json.loads((folder / "profile.json").read_text())
    (folder / "profile.json").write_text(json.dumps({**meta, "time_zone": "Mars/Olympus"}))
    with pytest.raises(ProfileInvalid) as exc:
        load_profile(str(folder))
    assert "profile.json: time_zone" in exc.value.detail and "Mars/Olympus" in exc.value.detail
    (folder / "profile.json").write_text(json.dumps({**meta, "colour": "blue"}))
    with pytest.raises(ProfileInvalid, match=r"profile\.json: colour"):
        load_profile(str(folder))
    (folder / "profile.json").write_text(json.dumps(meta))

    doc = json.loads((folder / "districts.geojson").read_text())
    doc["features"][3]["properties"]["division"] = "XYZ"
    (folder / "districts.geojson").write_text(json.dumps(doc))
    with pytest.raises(ProfileInvalid, match=r"districts\.geojson: features\[3\]\.properties\.division"):
        load_profile(str(folder))
    del doc["features"][3]["properties"]["code"]
    (folder / "districts.geojson").write_text(json.dumps(doc))
    with pytest.raises(ProfileInvalid, match=r"districts\.geojson: features\[3\]\.properties\.code") as missing:
        load_profile(str(folder))
    assert missing.value.errors[0]["loc"] == ["districts.geojson", "features[3]", "properties", "code"]
    shutil.copy(profile_folder("cerritos") / "districts.geojson", folder / "districts.geojson")

    rows = (folder / "intersections.csv").read_text().splitlines()
    rows[5] = "A ST,B ST,95.0,-118.0"
    (folder / "intersections.csv").write_text("\n".join(rows) + "\n")
    with pytest.raises(ProfileInvalid, match=r"intersections\.csv: line 6\.lat"):
        load_profile(str(folder))
    (folder / "intersections.csv").unlink()
    (folder / "neighborhoods.geojson").unlink()
    with pytest.raises(ProfileInvalid, match=r"neighborhoods\.geojson: missing") as whole_file:
        load_profile(str(folder))
    assert whole_file.value.errors[0]["loc"] == ["neighborhoods.geojson"]


def test_the_places_domain_does_not_read_the_shared_data_folder() -> None:
    for path in (ROOT / "src" / "rtcc" / "places").rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        assert "shared/data" not in text and "../shared" not in text, path


def test_duty_hours_follow_the_profile_time_zone(tmp_path: Path) -> None:
    from rtcc.governance import misuse
    from rtcc.settings import Settings

    folder = _copy(tmp_path)
    meta = json.loads((folder / "profile.json").read_text())
    (folder / "profile.json").write_text(json.dumps({**meta, "time_zone": "America/Chicago"}))
    service.activate(str(folder))
    settings = Settings(city_profile=str(folder))
    assert settings.governance_timezone is None
    assert misuse.duty_timezone(settings) == "America/Chicago"
    assert str(misuse.params_from(settings).default_duty.tz) == "America/Chicago"
    assert misuse.duty_timezone(Settings(governance_timezone="UTC")) == "UTC"  # an explicit setting still wins
