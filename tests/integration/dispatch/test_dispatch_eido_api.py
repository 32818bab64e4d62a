"""EIDO through the API on the real database: NENA's two official samples imported and exported valid, a live call
exported and re-imported as an update (never a second call), a new incident in the city becoming a live call that
keeps the document's time, the caller only with callers:read (audited), a malformed EIDO answered 422 naming its
JSON path and dead-lettered, and 503 saying how to install the schema where it is not."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from dispatch_support import DISPATCHER, PARK, race
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from rtcc.alpr.models import DeadLetter
from rtcc.audit.models import AuditEntry
from rtcc.core.db import Database
from rtcc.dispatch import interchange
from rtcc.dispatch.adapters.eido_schema import validate_eido
from rtcc.dispatch.models import Call
from rtcc.identity.logic import Perm, Principal
from rtcc.settings import Settings
from rtcc_testing import eido_schema_file, shared_data

API = "/api/v1/dispatch"


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    """The test settings with the operator's EIDO schema installed (skips without ../shared/data)."""
    return Settings(
        database_url=database_url,
        bus_url="memory://",
        mqtt_url=None,
        data_dir=tmp_path,
        eido_schema=eido_schema_file(),
        eido_agency_id="sheriff.cerritos.example",
    )


def _sample(name: str) -> bytes:
    return shared_data("standards", "nena_eido", "Samples", name).read_bytes()


def _valid(doc: dict[str, Any]) -> None:
    assert validate_eido(doc, schema=eido_schema_file()) == []


def _calls(db: Database) -> int:
    with db.read() as s:
        return int(s.scalar(select(func.count()).select_from(Call)) or 0)


def _new_call(client: TestClient, headers: dict[str, str]) -> dict[str, Any]:
    body = {
        "call_type": "ALARM_BURG_RES",
        "location": {"kind": "point", "lat": PARK[0], "lon": PARK[1]},
        "source": "alarm_company",
        "caller_name": "Pat Keyholder",
        "caller_phone": "(562) 555-0100",
        "narrative": "zone 3 rear door",
    }
    resp = client.post(f"{API}/calls", json=body, headers=headers)
    assert resp.status_code == 201, resp.text
    call: dict[str, Any] = resp.json()["call"]
    return call


def test_the_official_samples_import_and_export_valid(app_client: TestClient, login: Any, db: Database) -> None:
    disp = login("dispatcher")
    transfer = _sample("Sample call transfer EIDO.json")
    resp = app_client.post(f"{API}/eido", content=transfer, headers={**disp, "content-type": "application/json"})
    assert resp.status_code == 201, resp.text
    got = resp.json()
    assert got["action"] == "created" and got["dialect"] == "1.0" and got["call_id"] is None
    assert "call type" in got["held_reason"]  # the sample names no incident type: held, not dispatched
    exported = app_client.get(f"{API}/calls/{got['record_id']}/eido", headers=disp)
    assert exported.status_code == 200, exported.text
    doc = exported.json()
    _valid(doc)
    assert doc["$id"] == "urn:emergency:uid:incidentid:a56e556d871:bcf.state.pa.us"
    assert doc["callComponent"][0]["callStartTimestamp"] == "2021-04-30T18:40:00Z"

    # the exported document sent back updates the same record
    again = app_client.post(f"{API}/eido", json=doc, headers=disp)
    assert again.status_code == 200 and again.json()["action"] == "updated"
    assert again.json()["record_id"] == got["record_id"]

    historical = _sample("Sample_EIDO_historical.json")
    strict = app_client.post(f"{API}/eido", content=historical, headers={**disp, "content-type": "application/json"})
    assert strict.status_code == 422  # a pre-1.0 draft: not valid EIDO 1.0
    lenient = app_client.post(
        f"{API}/eido?strict=false", content=historical, headers={**disp, "content-type": "application/json"}
    )
    assert lenient.status_code == 201, lenient.text
    assert lenient.json()["dialect"] == "draft" and lenient.json()["schema_issues"]
    doc = app_client.get(f"{API}/calls/{lenient.json()['record_id']}/eido", headers=disp).json()
    _valid(doc)
    assert doc["incidentComponent"]["incidentTypeCommonRegistryText"] == "CU1"
    assert _calls(db) == 0
    held = app_client.get(f"{API}/eido?held=true", headers=disp).json()
    assert {r["id"] for r in held} == {got["record_id"], lenient.json()["record_id"]}
    assert app_client.get(f"{API}/eido?held=false", headers=disp).json() == []
    assert app_client.get(f"{API}/eido", headers=login("cso")).status_code == 403


def test_a_live_call_round_trips_as_an_update(app_client: TestClient, login: Any, db: Database) -> None:
    disp = login("dispatcher")
    call = _new_call(app_client, disp)
    assert app_client.post(f"{API}/calls/{call['id']}/notes", json={"text": "keyholder en route"}, headers=disp)
    resp = app_client.get(f"{API}/calls/{call['id']}/eido", headers=disp)
    assert resp.status_code == 200, resp.text
    doc = resp.json()
    _valid(doc)
    assert doc["$id"] == f"urn:emergency:uid:incidentid:{call['number']}:sheriff.cerritos.example"
    assert doc["incidentComponent"]["incidentTypeCommonRegistryText"] == "ALRBA"
    assert doc["personComponent"][0]["ncPersonComponent"]["name"][0]["personFullName"][0]["value"] == "Pat Keyholder"

    # re-imported with one more note: the same call, one more note, no second call
    updated = copy.deepcopy(doc)
    note = copy.deepcopy(updated["notesComponent"][-1])
    note["$id"] = note["$id"] + "-2"
    note["notesActionComments"] = "gate code 1234"
    updated["notesComponent"].append(note)
    back = app_client.post(f"{API}/eido", json=updated, headers=disp)
    assert back.status_code == 200, back.text
    assert back.json()["action"] == "updated" and back.json()["call_id"] == call["id"]
    assert _calls(db) == 1
    notes = [n["text"] for n in app_client.get(f"{API}/calls/{call['id']}", headers=disp).json()["notes"]]
    assert notes == ["keyholder en route", "gate code 1234"]
    # and again: nothing new
    assert app_client.post(f"{API}/eido", json=updated, headers=disp).json()["record_id"] == back.json()["record_id"]
    assert len(app_client.get(f"{API}/calls/{call['id']}", headers=disp).json()["notes"]) == 2


def test_a_new_incident_in_the_city_becomes_a_live_call(app_client: TestClient, login: Any, db: Database) -> None:
    disp = login("dispatcher")
    call = _new_call(app_client, disp)
    doc = app_client.get(f"{API}/calls/{call['id']}/eido", headers=disp).json()
    foreign = json.loads(json.dumps(doc).replace(f"{call['number']}:sheriff.cerritos.example", "X-77:psap.example.gov"))
    assert foreign["$id"] == "urn:emergency:uid:incidentid:X-77:psap.example.gov"
    made = app_client.post(f"{API}/eido", json=foreign, headers=disp)
    assert made.status_code == 201, made.text
    got = made.json()
    assert got["action"] == "created" and got["call_id"] not in (None, call["id"]) and got["held_reason"] is None
    live = app_client.get(f"{API}/calls/{got['call_id']}", headers=disp).json()
    # the document's time (EIDO carries milliseconds), not the time of the import
    assert live["received_at"][:23] == call["received_at"][:23] and live["call_type"] == "ALARM_BURG_RES"
    assert _calls(db) == 2
    # exporting the new call keeps the sender's incident id, so the sender's next update finds it
    out = app_client.get(f"{API}/calls/{got['call_id']}/eido", headers=disp).json()
    _valid(out)
    assert out["$id"] == foreign["$id"]
    assert app_client.post(f"{API}/eido", json=foreign, headers=disp).json()["call_id"] == got["call_id"]
    assert _calls(db) == 2


def test_the_caller_goes_out_only_with_callers_read(
    app_client: TestClient, login: Any, db: Database, settings: Settings
) -> None:
    call = _new_call(app_client, login("dispatcher"))
    reader = Principal(
        kind="user",
        id="r1",
        name="records_clerk",
        role="analyst",
        permissions=frozenset({Perm.calls_read, Perm.calls_read_all}),
    )
    with db.uow() as s:
        doc = interchange.export_call(s, settings, __import__("uuid").UUID(call["id"]), actor=reader)
    assert "personComponent" not in doc and "callbackComponent" not in doc
    with db.read() as s:
        entries = s.scalars(select(AuditEntry).where(AuditEntry.action == "dispatch.call.eido.export")).all()
        assert [(e.actor, e.details["caller"]) for e in entries] == [("records_clerk", False)]


def test_a_malformed_eido_is_422_naming_the_path_and_dead_lettered(
    app_client: TestClient, login: Any, db: Database
) -> None:
    disp = login("dispatcher")
    bad = json.loads(_sample("Sample call transfer EIDO.json"))
    bad["callComponent"][0]["direction"] = "sideways"
    resp = app_client.post(f"{API}/eido", json=bad, headers=disp)
    assert resp.status_code == 422 and resp.headers["content-type"].startswith("application/problem+json")
    assert resp.json()["detail"].startswith("$.callComponent[0].direction")
    assert resp.json()["errors"][0]["field"] == "$.callComponent[0].direction"
    garbage = app_client.post(f"{API}/eido", content=b"{not json", headers={**disp, "content-type": "application/json"})
    assert garbage.status_code == 422 and garbage.json()["detail"].startswith("$: not JSON")
    with db.read() as s:
        letters = s.scalars(select(DeadLetter).where(DeadLetter.source == "eido").order_by(DeadLetter.id)).all()
        assert len(letters) == 2
        assert "direction" in letters[0].reason and json.loads(letters[0].payload)["$id"] == bad["$id"]
        assert letters[1].payload == "{not json"
    with db.read() as s:
        assert s.scalar(select(func.count()).select_from(Call)) == 0


def test_field_roles_cannot_import(app_client: TestClient, login: Any) -> None:
    resp = app_client.post(f"{API}/eido", json={}, headers=login("guard"))
    assert resp.status_code == 403


def test_the_same_incident_imported_at_once_is_one_record_never_an_error(db: Database, settings: Settings) -> None:
    transfer = _sample("Sample call transfer EIDO.json")
    results = race(4, lambda _i: interchange.receive_committed(db, None, settings, transfer, actor=DISPATCHER))
    assert not [r for r in results if isinstance(r, Exception)], results
    assert sorted(r.action for r in results) == ["created", "updated", "updated", "updated"]
    assert len({r.record_id for r in results}) == 1
