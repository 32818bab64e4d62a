"""Divisions (issue 15): in a Los Angeles deployment a user of one division sees that division only, on every route.

The fixture runs the app on the ``los_angeles`` profile and seeds two divisions (Central, 01, and West Los Angeles,
08) with an ALPR camera, a read, a hotlist alert, a call, a unit and a registered (shared) camera each. The walk then
calls every GET route of the app (and the plate searches and the canvass, which are POSTs) as a supervisor of
Central: each path parameter is filled with the identifiers of West LA's rows, required query parameters with West
LA's plate and point, and no answer may hold anything of West LA (its cameras' codes, names and owner, its plate, its
read, alert, call and unit). A walk that could not see
anything would prove nothing, so the same routes are checked to show Central's rows to Central and West LA's rows to
an RTCC-wide analyst; and reaching into West LA needs a purpose and is audited.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from itertools import product
from typing import Any

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from sqlalchemy import select

from rtcc.alerts.schemas import HitInput
from rtcc.alpr.models import Camera, Read
from rtcc.app import api_routes
from rtcc.audit.models import AuditEntry
from rtcc.core.clock import utcnow
from rtcc.core.db import Database
from rtcc.core.plates import forms
from rtcc.hotlists.models import Hotlist, HotlistEntry
from rtcc.identity.deps import Public, declarations
from rtcc.live.routes import STREAMING_PATHS
from rtcc.matching import service as matching
from rtcc.places import service as places
from rtcc.settings import Settings
from rtcc_testing import login_as

API = "/api/v1"
PASSWORD = "correct horse battery"
#: Central (01): LA City Hall; West Los Angeles (08): Westwood.
CENTRAL = ("01", 34.0537, -118.2427, "CEN")
WEST = ("08", 34.045, -118.445, "WST")


@dataclass
class Seeded:
    """One division's rows: their identifiers (for paths) and the strings that must not leak (markers)."""

    ids: dict[str, str] = field(default_factory=dict)
    markers: dict[str, str] = field(default_factory=dict)


@pytest.fixture
def la(settings: Settings, db: Database) -> Iterator[TestClient]:
    """The app on the Los Angeles profile (the Cerritos one is active again afterwards)."""
    from rtcc.app import create_app

    with TestClient(create_app(settings.model_copy(update={"city_profile": "los_angeles"}))) as client:
        yield client
    places.activate(settings.city_profile)


_login = login_as  # a staff user of a role (and division) signed in


def _seed(client: TestClient, db: Database, admin: dict[str, str], spec: tuple[str, float, float, str]) -> Seeded:
    """A camera, a read and its hotlist alert, a call and a unit in one division."""
    code, lat, lon, tag = spec
    out = Seeded()
    now = utcnow()
    plate = f"{tag}7{code}9"
    with db.uow() as s:
        cam = Camera(code=f"CAM-{tag}-{code}", name=f"{tag} Corner Cam", lat=lat, lon=lon, created_at=now)
        cam.division = places.division_of(lat, lon)
        assert cam.division == code
        hl = Hotlist(name=f"List {tag}", source="CLEW", category="stolen_vehicle", priority=2, owner="x",
                     created_at=now, updated_at=now)  # fmt: skip
        s.add_all([cam, hl])
        s.flush()
        f = forms(plate)
        entry = HotlistEntry(hotlist_id=hl.id, plate=plate, plate_norm=f.norm, plate_ocr=f.ocr, region="CA",
                             reason="stolen", case_number=f"{tag}-case", added_by="clew", added_at=now)  # fmt: skip
        read = Read(id=uuid.uuid4(), camera_id=cam.id, plate=plate, plate_norm=f.norm, plate_ocr=f.ocr, region="CA",
                    confidence=90.0, observed_at=now, received_at=now, source="rest", lat=lat, lon=lon)  # fmt: skip
        s.add_all([entry, read])
        s.flush()
        hit = HitInput(read_id=read.id, camera_id=cam.id, camera_code=cam.code, plate_read=plate, region_read="CA",
                       observed_at=now, received_at=now, entry_id=entry.id, hotlist_id=hl.id, hotlist_name=hl.name,
                       category=hl.category, priority=hl.priority, plate_listed=plate, region_listed="CA",
                       match_kind="exact", diff_positions=[], reason="stolen", case_number=f"{tag}-case")  # fmt: skip
        [alert] = matching.record_hits(s, client.app.state.runtime.bus, [hit], dedup_window_s=600)  # type: ignore[attr-defined]
        out.ids |= {"camera": str(cam.id), "read": str(read.id), "alert": str(alert.id), "code": cam.code}
        out.markers |= {"camera code": cam.code, "camera name": cam.name, "plate": plate, "read": str(read.id),
                        "alert": str(alert.id), "camera id": str(cam.id)}  # fmt: skip
    body = {"call_type": "FIGHT", "location": {"kind": "point", "lat": lat, "lon": lon}, "source": "911",
            "narrative": f"{tag} narrative marker"}  # fmt: skip
    resp = client.post(f"{API}/dispatch/calls", json=body, headers=admin)
    assert resp.status_code == 201, resp.text
    call = resp.json()["call"]
    assert call["location"]["division"] == code
    sign = f"{tag}{code}A"
    resp = client.post(f"{API}/dispatch/units", json={"call_sign": sign, "unit_type": "deputy_car",
                                                       "home_area": code}, headers=admin)  # fmt: skip
    assert resp.status_code == 201, resp.text
    assert resp.json()["division"] == code
    resp = client.post(f"{API}/dispatch/units/{sign}/position", json={"lat": lat, "lon": lon}, headers=admin)
    assert resp.status_code == 201, resp.text
    shared: dict[str, Any] = {"code": f"REG-{tag}-{code}", "name": f"{tag} Shop Cam", "owner_type": "business",
              "owner_name": f"{tag} Owner LLC", "lat": lat, "lon": lon, "direction_deg": 0, "fov_deg": 120,
              "range_m": 60, "owner_retention_days": 30, "sharing_level": "registered"}  # fmt: skip
    resp = client.post(f"{API}/registry/cameras", json=shared, headers=admin)
    assert resp.status_code == 201, resp.text
    out.ids["registry"] = resp.json()["id"]
    out.markers |= {"registry camera": str(shared["code"]), "registry owner": str(shared["owner_name"])}
    out.ids |= {"call": call["id"], "number": call["number"], "unit": sign}
    out.markers |= {"call": call["id"], "call number": call["number"], "narrative": f"{tag} narrative marker",
                    "unit": sign}  # fmt: skip
    return out


def _path_values(name: str, other: Seeded) -> list[str]:
    """Values to put into a path parameter: the other division's identifiers of that kind."""
    name = name.split(":")[0]
    kinds = {"alert_id": ["alert"], "call_id": ["call"], "read_id": ["read"], "camera_id": ["camera", "registry"],
             "call_sign": ["unit"], "number": ["number"], "code": ["code"]}  # fmt: skip
    if name in kinds:
        return [other.ids[k] for k in kinds[name]]
    if name.endswith("_id"):
        return [other.ids[k] for k in ("alert", "call", "read", "camera", "registry")]
    return {"kind": ["crop"], "path": ["index.html"]}.get(name, ["x"])


def _query(route: APIRoute, other: Seeded, spec: tuple[str, float, float, str]) -> dict[str, str]:
    """The route's required query parameters, filled with the other division's plate and point."""
    _code, lat, lon, _tag = spec
    today = utcnow().date().isoformat()
    values = {"lat": str(lat), "lon": str(lon), "q": other.markers["plate"], "since": "2020-01-01T00:00:00Z",
              "until": "2100-01-01T00:00:00Z", "on": today, "day": today}  # fmt: skip
    return {
        q.name: values[q.name] for q in route.dependant.query_params if q.field_info.is_required() and q.name in values
    }


def _searches(other: Seeded, spec: tuple[str, float, float, str]) -> list[tuple[str, dict[str, Any]]]:
    """The plate searches and the canvass (POSTs) aimed at the other division's plate and place."""
    _code, lat, lon, _tag = spec
    plate, now = other.markers["plate"], utcnow()
    purpose = {"purpose": "hit_verification", **recent()}  # inside the purpose's case-free window (2 h)
    window = {"start": "2020-01-01T00:00:00Z", "end": "2100-01-01T00:00:00Z"}
    area = {"lat": lat, "lon": lon, "radius_m": 500}
    place = {"lat": lat, "lon": lon, "radius_m": 500, "at": now.isoformat(), "window_s": 3600}
    return [
        ("/search/plates", {"plate": plate, **purpose}),
        ("/search/plates", {"plate": plate[:4] + "*", **purpose}),
        ("/search/export", {"plate": plate, **purpose}),
        ("/search/history", {"plate": plate, **purpose}),
        ("/search/stakeout", {"area": area, **window, **purpose}),
        ("/search/common", {"places": [place, place], "min_places": 1, **purpose}),
        ("/search/cotravel", {"plate": plate, "min_cameras": 1, **purpose}),
        ("/canvass", {"lat": lat, "lon": lon, "start": now.isoformat(), "end": now.isoformat()}),
    ]


def recent() -> dict[str, str]:
    """A time range around now, inside hit_verification's case-free window (2 h): the seeded reads are from now."""
    now = utcnow()
    return {"start": (now - timedelta(hours=1)).isoformat(), "end": (now + timedelta(minutes=55)).isoformat()}


#: The declared purpose of a screen that shows plates (the alert list records it with the plates it shows).
SHOWN = {"purpose": "hit_verification"}


def _leaks(text: str, url: str, other: Seeded) -> list[str]:
    """The other division's markers in an answer (those the request itself named do not count)."""
    return [k for k, v in other.markers.items() if v not in url and v in text]


def _get_routes(client: TestClient) -> list[APIRoute]:
    """Every GET route but the public ones (the transparency portal's camera list is the same for anyone) and the
    live streams (their events are checked by ``rtcc.live.hub.in_division``'s test)."""
    routes = api_routes(client.app)  # type: ignore[arg-type]
    return [
        r
        for r in routes
        if "GET" in (r.methods or set())
        and r.path not in STREAMING_PATHS
        and not any(isinstance(d, Public) for d in declarations(r.dependant))
    ]


@pytest.mark.slow  # walks every GET route of the app (about 180, several with each of the other division's ids)
def test_a_division_user_sees_nothing_of_another_division_on_any_route(la: TestClient, db: Database) -> None:
    admin = _login(la, db, "admin")
    central, west = _seed(la, db, admin, CENTRAL), _seed(la, db, admin, WEST)
    me = _login(la, db, "supervisor", CENTRAL[0])  # the divisional role with the most permissions
    walked = 0
    for route in _get_routes(la):
        params = re.findall(r"\{([^}]+)\}", route.path)
        query = {"purpose": "hit_verification", **_query(route, west, WEST)}  # routes showing plates need one
        for values in product(*[_path_values(p, west) for p in params]):
            path = route.path
            for p, v in zip(params, values, strict=True):
                path = path.replace("{" + p + "}", v)
            resp = la.get(path, params=query, headers=me)
            url = str(resp.request.url)
            assert not _leaks(resp.text, url, west), f"GET {url} -> {resp.status_code}: {_leaks(resp.text, url, west)}"
            walked += 1
    for path, body in _searches(west, WEST):
        resp = la.post(f"{API}{path}", json=body, headers=me)
        assert resp.status_code < 500, resp.text
        asked = path + json.dumps(body)  # the exact plate asked for comes back as the plate searched
        assert not _leaks(resp.text, asked, west), f"POST {path} {body} -> {resp.status_code}: {resp.text[:300]}"
    assert walked >= 120

    # The walk can fail: the same routes show Central's own rows to Central, and West LA's to the RTCC-wide analyst.
    rtcc = _login(la, db, "rtcc_analyst")
    for path, marker in (("/cameras", "camera code"), ("/alerts", "plate"), ("/dispatch/calls", "call"),
                         ("/dispatch/units", "unit"), ("/registry/cameras", "registry camera")):  # fmt: skip
        assert central.markers[marker] in la.get(f"{API}{path}", params=SHOWN, headers=me).text, path
        assert west.markers[marker] in la.get(f"{API}{path}", params=SHOWN, headers=rtcc).text, path
    asked = {"plate": central.markers["plate"], "purpose": "hit_verification", **recent()}
    found = la.post(f"{API}/search/plates", json=asked, headers=me)
    assert central.markers["read"] in found.text, found.text
    asked = {"plate": west.markers["plate"], "purpose": "hit_verification", **recent()}
    found = la.post(f"{API}/search/plates", json=asked, headers=rtcc)
    assert west.markers["read"] in found.text, found.text


@pytest.mark.slow  # about 10 s on a loaded machine: it seeds a division (camera, read, alert, call, unit)
def test_reaching_into_another_division_needs_a_purpose_and_is_audited(la: TestClient, db: Database) -> None:
    admin = _login(la, db, "admin")
    west = _seed(la, db, admin, WEST)
    me = _login(la, db, "analyst", CENTRAL[0])
    refused = la.get(f"{API}/alerts", params={"division": WEST[0]}, headers=me)  # no purpose at all
    assert refused.status_code == 403 and "purpose" in refused.json()["detail"]
    unknown = la.get(f"{API}/alerts", params={"division": "99"}, headers=me)
    assert unknown.status_code == 422 and unknown.json()["errors"][0]["field"] == "division"
    # the purpose is the access's declared purpose: the alert list also records it with the plates it shows
    reached = la.get(f"{API}/alerts", params={"division": WEST[0], **SHOWN}, headers=me)
    assert reached.status_code == 200 and west.markers["plate"] in reached.text
    free_text = la.get(f"{API}/dispatch/units", params={"division": WEST[0], "purpose": "mutual aid, case 26-0042"},
                       headers=me)  # fmt: skip
    assert free_text.status_code == 200 and west.markers["unit"] in free_text.text
    with db.read() as s:
        entries = s.scalars(select(AuditEntry).where(AuditEntry.action == "division.reach"))
        reaches = [(e.target_id, e.details["purpose"], e.details["own"]) for e in entries]
    assert reaches == [(WEST[0], "hit_verification", CENTRAL[0]), (WEST[0], "mutual aid, case 26-0042", CENTRAL[0])]
    # Without reaching, the same user sees nothing of West LA; its own division needs no purpose.
    own = la.get(f"{API}/alerts", params=SHOWN, headers=me)
    assert own.status_code == 200 and west.markers["plate"] not in own.text
    assert la.get(f"{API}/alerts", params={"division": CENTRAL[0], **SHOWN}, headers=me).status_code == 200
    # An RTCC-wide role narrows to one division without a purpose, and nothing is audited for it.
    rtcc = _login(la, db, "rtcc_supervisor")
    narrowed = la.get(f"{API}/dispatch/units", params={"division": CENTRAL[0]}, headers=rtcc)
    assert narrowed.status_code == 200 and west.markers["unit"] not in narrowed.text


def test_a_user_division_must_be_one_of_the_profile(la: TestClient, db: Database) -> None:
    admin = _login(la, db, "admin")
    body = {"username": "westie", "display_name": "W", "password": PASSWORD, "role": "analyst", "division": "99"}
    resp = la.post(f"{API}/users", json=body, headers=admin)
    assert resp.status_code == 422 and resp.json()["errors"][0]["field"] == "division"
    resp = la.post(f"{API}/users", json={**body, "division": WEST[0]}, headers=admin)
    assert resp.status_code == 201, resp.text
    assert resp.json()["division"] == WEST[0]
