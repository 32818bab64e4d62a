"""NENA EIDO export/import: the official samples round-trip (import -> export -> valid -> import), a hand-built call
exports to a valid EIDO that reads back, malformed EIDOs give errors naming the JSON path, PIDF-LO reading/writing."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime

import pytest

from rtcc.core.errors import ValidationFailed
from rtcc.dispatch.adapters.document import CallDocument
from rtcc.dispatch.adapters.eido import EidoError, export_eido, import_eido, validate_eido
from rtcc.dispatch.adapters.eido_schema import SCHEMA_ENV, EidoSchemaMissing, schema
from rtcc.dispatch.adapters.pidf import read_pidf, write_pidf
from rtcc_testing import shared_data

UPDATED = datetime(2026, 12, 5, 18, 30, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _schema(request: pytest.FixtureRequest) -> None:
    if not request.node.name.startswith("test_without_the_schema"):
        request.getfixturevalue("eido_schema")


def test_without_the_schema_eido_says_how_to_install_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(SCHEMA_ENV, raising=False)
    with pytest.raises(EidoSchemaMissing, match="derive_eido_schema"):
        validate_eido({})
    monkeypatch.setenv(SCHEMA_ENV, "/nonexistent/eido.json.gz")
    with pytest.raises(EidoSchemaMissing, match="no such file"):
        schema()


def _sample(name: str) -> bytes:
    return shared_data("standards", "nena_eido", "Samples", name).read_bytes()


def _call() -> CallDocument:
    return CallDocument.model_validate(
        {
            "external_id": "26-000123",
            "origin": "rtcc",
            "source": "alarm_company",
            "agency": "cerritos.lasd.example",
            "call_type": {"code": "ALARM_BURGLARY_RES", "text": "Burglary alarm (residential)", "apco": "ALMR"},
            "priority": "Priority",
            "common_priority": 7,
            "times": {
                "received": "2026-12-05T21:40:00-08:00",
                "dispatched": "2026-12-06T05:42:10Z",
                "on_scene": "2026-12-06T05:49:30Z",
                "cleared": "2026-12-06T06:10:00Z",
                "closed": "2026-12-06T06:12:00Z",
            },
            "location": {
                "lat": 33.8583,
                "lon": -118.0648,
                "address": "12700 Ashworth Pl",
                "cross_street": "Bloomfield Ave",
                "city": "Cerritos",
                "state": "CA",
                "postal_code": "90703",
                "place_name": "Smith residence",
                "beat": "2150",
                "description": "rear slider <zone 3>",
            },
            "caller": {"name": "Monitoring Op 12", "phone": "(800) 555-0199"},
            "narrative": "Burglary alarm, residential; zone 3 (rear slider) & motion",
            "notes": [
                {"text": "Keyholder en route, ETA 20 min", "at": "2026-12-06T05:45:00Z", "author": "dispatcher7"},
                {"text": "Door found open, searching", "at": "2026-12-06T05:52:00Z", "author": "4A12"},
            ],
            "units": [
                {
                    "unit_id": "4A12",
                    "unit_type": "patrol",
                    "status": "CLR",
                    "times": {"dispatched": "2026-12-06T05:42:10Z", "cleared": "2026-12-06T06:10:00Z"},
                },
                {"unit_id": "CSO3", "unit_type": "cso", "times": {"on_scene": "2026-12-06T05:55:00Z"}},
            ],
            "disposition": {"code": "NR", "text": "No report", "common_code": "02"},
            "call_taker": "calltaker2",
            "dispatcher": "dispatcher7",
        }
    )


def test_schema_bundle_is_the_whole_eido_closure():
    bundle = schema()
    assert len(bundle["definitions"]) == 1736
    assert "openapi.EmergencyIncidentDataObjectType" in bundle["definitions"]
    agent = bundle["definitions"]["openapi.AgentType"]["allOf"][1]["properties"]["agentRoleRegistryText"]
    assert agent["minItems"] == 1  # "1," upstream, corrected


def test_call_transfer_sample_round_trips():
    raw = _sample("Sample call transfer EIDO.json")
    assert validate_eido(json.loads(raw)) == []
    first = import_eido(raw)
    doc = first.document
    assert first.dialect == "1.0" and first.schema_issues == ()
    assert first.incident_id == doc.incident_id == "urn:emergency:uid:incidentid:a56e556d871:bcf.state.pa.us"
    assert doc.external_id == "a56e556d871"
    assert doc.agency == "state.pa.us"
    assert doc.times.received == datetime(2021, 4, 30, 18, 40, tzinfo=UTC)
    assert doc.source == "911"
    assert doc.caller is not None and doc.caller.phone == "8195551212"
    assert doc.location is not None
    assert (doc.location.address, doc.location.city, doc.location.state, doc.location.country) == (
        "42 W Cellular Street",
        "Wilmington",
        "DE",
        "US",
    )
    assert doc.call_taker == "tjones.atroop"
    exported = export_eido(doc, updated_at=first.last_updated or UPDATED)
    assert validate_eido(exported) == []
    assert exported["$id"] == first.incident_id
    again = import_eido(json.dumps(exported))
    assert again.document == doc


def test_historical_sample_round_trips_through_the_current_schema():
    raw = _sample("Sample_EIDO_historical.json")
    with pytest.raises(EidoError) as err:
        import_eido(raw)  # strict: a pre-1.0 draft does not validate
    paths = {i.path for i in err.value.issues}
    assert {"$.lastUpdateTimeStamp", "$.eidoVersion", "$.incidentComponent", "$.agencyComponent[0].agencyType"} <= paths
    first = import_eido(raw, strict=False)
    doc = first.document
    assert first.dialect == "draft" and len(first.schema_issues) == 17
    assert first.incident_id == "urn:emergency:uid:incidentid:0:psap.allegheny.pa.us"
    assert doc.agency == "psap.allegheny.pa.us"
    assert doc.call_type is not None
    assert (doc.call_type.code, doc.call_type.text, doc.call_type.apco) == (
        "10-101",
        "CIVIL UNREST; REQUEST MUTUAL AID",
        "CU1",
    )
    assert (doc.priority, doc.common_priority) == ("10: VERY HIGH PRIORITY", 10)
    assert doc.location is not None and (doc.location.lat, doc.location.lon) == (40.441345, -80.000266)
    assert (doc.call_taker, doc.dispatcher) == ("dern.handy", "tom.jones")
    exported = export_eido(doc, updated_at=first.last_updated or UPDATED)
    assert validate_eido(exported) == []
    again = import_eido(exported)
    assert again.dialect == "1.0" and again.document == doc


def test_hand_built_call_exports_valid_and_reads_back():
    call = _call()
    exported = export_eido(call, updated_at=UPDATED, issuing_element="cad.cerritos.lasd.example")
    assert validate_eido(exported) == []
    assert exported["$id"] == "urn:emergency:uid:incidentid:26-000123:cerritos.lasd.example"
    incident = exported["incidentComponent"]
    assert incident["incidentStatusCommonRegistryText"] == ["Closed"]
    assert incident["lastUpdateTimeStamp"] == "2026-12-06T06:12:00Z"
    assert [u["secondaryUnitStatusRegistryText"] for u in exported["emergencyResourceComponent"]] == [
        ["Cleared"],
        ["OnScene"],
    ]
    assert [u["emergencyResourceTypeCommonRegistryText"] for u in exported["emergencyResourceComponent"]] == [
        "PatrolUnit",
        "CivilServiceOfficer",
    ]
    assert "&lt;zone 3&gt;" not in json.dumps(exported["locationComponent"][0]["locationDescriptionText"])
    back = import_eido(exported).document
    assert back.external_id == call.external_id and back.agency == call.agency and back.source == call.source
    assert back.call_type == call.call_type
    assert (back.priority, back.common_priority) == (call.priority, call.common_priority)
    assert back.location == call.location
    assert back.caller is not None and back.caller.name == "Monitoring Op 12" and back.caller.phone == "8005550199"
    assert back.narrative == call.narrative
    assert back.notes == call.notes
    assert back.disposition == call.disposition
    assert (back.call_taker, back.dispatcher) == (call.call_taker, call.dispatcher)
    # An EIDO carries current state: received and closed survive; each unit keeps the time of its current step, and
    # the call's step times are the earliest of its units'.
    assert back.times.received == call.times.received and back.times.closed == call.times.closed
    assert [(u.unit_id, u.unit_type, u.status, u.times.latest_step()) for u in back.units] == [
        ("4A12", "patrol", "CLR", "cleared"),
        ("CSO3", "cso", None, "on_scene"),
    ]
    assert back.units[0].times.cleared == call.units[0].times.cleared
    assert back.times.on_scene == call.units[1].times.on_scene
    assert back.incident_id == exported["$id"]
    # Export again from what was imported: the same incident, location, notes and units (the dispatch component's
    # time differs: the first dispatch time is history, not current state).
    again = export_eido(back, updated_at=UPDATED, issuing_element="cad.cerritos.lasd.example")
    for key in ("$id", "incidentComponent", "locationComponent", "notesComponent", "emergencyResourceComponent"):
        assert again[key] == exported[key], key


def test_call_without_apco_type_exports_without_incident_component():
    call = _call().model_copy(update={"call_type": None, "incident_id": None})
    exported = export_eido(call, updated_at=UPDATED)
    assert "incidentComponent" not in exported and validate_eido(exported) == []
    assert import_eido(exported).document.external_id == "26-000123"  # from the incident tracking id


def test_export_needs_an_agency():
    call = _call().model_copy(update={"agency": None})
    with pytest.raises(EidoError, match=r"\$.updatedByAgencyReference"):
        export_eido(call, updated_at=UPDATED)


def _valid() -> dict:
    return export_eido(_call(), updated_at=UPDATED)


@pytest.mark.parametrize(
    ("mutate", "path", "message"),
    [
        (
            lambda d: d["callComponent"][0].__setitem__("direction", "sideways"),
            "$.callComponent[0].direction",
            "must be one of",
        ),
        (lambda d: d.pop("agencyComponent"), "$.agencyComponent", "required property missing"),
        (
            lambda d: d["callComponent"][0].__setitem__("callStartTimestamp", "yesterday"),
            "$.callComponent[0].callStartTimestamp",
            "not a valid date-time",
        ),
        (
            lambda d: d["incidentComponent"].__setitem__("incidentCommonPriorityNumber", "7"),
            "$.incidentComponent.incidentCommonPriorityNumber",
            "must be of type integer",
        ),
        (lambda d: d.__setitem__("eidoVersion", "2.0"), "$.eidoVersion", "must be one of 1.0"),
    ],
)
def test_malformed_eido_names_the_json_path(mutate, path, message):
    doc = _valid()
    mutate(doc)
    with pytest.raises(EidoError) as err:
        import_eido(json.dumps(doc))
    assert isinstance(err.value, ValidationFailed) and err.value.status == 422
    first = err.value.issues[0]
    assert (first.path, message in first.message) == (path, True), err.value.issues
    assert err.value.detail.startswith(path)
    assert err.value.errors[0]["loc"][0] == "eido"


def test_unreadable_values_fail_even_when_not_strict():
    doc = _valid()
    doc["incidentComponent"]["incidentCommonPriorityNumber"] = 42
    with pytest.raises(
        EidoError, match=r"^\$.incidentComponent.incidentCommonPriorityNumber: must be an integer from 0 to 10"
    ):
        import_eido(doc, strict=False)
    doc = _valid()
    doc["callComponent"][0]["callStartTimestamp"] = "2026-12-05 21:40"
    with pytest.raises(EidoError, match=r"^\$.callComponent\[0\].callStartTimestamp: a date-time needs a UTC offset"):
        import_eido(doc, strict=False)
    doc = _valid()
    doc["notesComponent"] = {"not": "a list"}
    with pytest.raises(EidoError, match=r"^\$.notesComponent: must be an array"):
        import_eido(doc, strict=False)
    for payload, message in ((b"{nope", "not JSON"), (b"[1, 2]", "an EIDO must be a JSON object")):
        with pytest.raises(EidoError, match=rf"^\$: {message}"):
            import_eido(payload)
    doc = _valid()
    del doc["$id"]
    with pytest.raises(EidoError, match=r"\$.\$id"):
        import_eido(doc, strict=False)


def test_update_keeps_the_incident_id():
    imported = import_eido(_sample("Sample call transfer EIDO.json")).document
    changed = copy.deepcopy(imported).model_copy(update={"priority": "1"})
    assert export_eido(changed, updated_at=UPDATED)["$id"] == imported.incident_id


def test_pidf_reads_the_malformed_historical_location_and_writes_escaped_xml():
    sample = json.loads(_sample("Sample_EIDO_historical.json"))
    place = read_pidf(sample["locationInformationComponent"][0]["locationByValue"])
    assert (place.lat, place.lon, place.address) == (40.441345, -80.000266, None)
    text = write_pidf(
        entity="urn:x", lat=33.1, lon=-118.2, address="5 A & B <St>", city="Town", state="CA", place_name="Café"
    )
    assert "<RD>A &amp; B &lt;St&gt;</RD>" in text and "<HNO>5</HNO>" in text
    back = read_pidf(text)
    assert (back.lat, back.lon, back.address, back.city, back.state, back.place_name) == (
        33.1,
        -118.2,
        "5 A & B <St>",
        "Town",
        "CA",
        "Café",
    )
    assert read_pidf("<presence/>").is_empty()
