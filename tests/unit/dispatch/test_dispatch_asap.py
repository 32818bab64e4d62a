"""ASAP-style alarm messages: parsing with errors naming the field, and the call an alarm event produces."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from rtcc.dispatch.adapters.asap import (
    ALARM_CALL_TYPES,
    AlarmCancel,
    AlarmEvent,
    AlarmMessageError,
    alarm_call,
    alarm_call_type,
    parse_alarm_message,
)
from rtcc.dispatch.adapters.eido import export_eido, validate_eido

RECEIVED = datetime(2026, 12, 6, 5, 40, 20, tzinfo=UTC)


def _event(**changes: object) -> dict:
    event = {
        "message": "alarm",
        "event_id": "CS-2026-000123",
        "category": "burglary",
        "premise_type": "residential",
        "occurred_at": "2026-12-05T21:40:00-08:00",
        "address": {
            "street": "12700 Ashworth Pl",
            "unit": "B",
            "city": "Cerritos",
            "state": "CA",
            "postal_code": "90703",
        },
        "permit_number": "AP-1234",
        "zone": {"number": "3", "description": "rear slider"},
        "contacts": [{"name": "Pat Doe", "phone": "562-555-0101"}],
        "call_back": {"operator": "Op 12", "phone": "800-555-0199", "instructions": "call the premise first"},
        "extensions": {"vendor": {"panel": "X-200"}},
    }
    event.update(changes)
    return event


def test_parse_alarm_event_and_cancel():
    event = parse_alarm_message(json.dumps(_event()).encode())
    assert isinstance(event, AlarmEvent)
    assert event.occurred_at == datetime(2026, 12, 6, 5, 40, tzinfo=UTC)
    assert event.zone is not None and event.zone.number == "3"
    assert event.extensions == {"vendor": {"panel": "X-200"}}
    cancel = parse_alarm_message(
        {
            "message": "cancel",
            "event_id": "CS-2026-000123",
            "cancelled_at": "2026-12-06T05:41:00Z",
            "reason": "user code",
        }
    )
    assert isinstance(cancel, AlarmCancel) and cancel.event_id == event.event_id


@pytest.mark.parametrize(
    ("payload", "field", "fragment"),
    [
        (_event(address={"street": "1 Main", "city": "Cerritos", "state": "Calif"}), "address.state", "at most 2"),
        (_event(colour="red"), "colour", "Extra inputs are not permitted"),
        (_event(zone={"number": "3", "sensor": "pir"}), "zone.sensor", "Extra inputs are not permitted"),
        (_event(category="flood"), "category", "Input should be"),
        (_event(occurred_at="2026-12-05T21:40:00"), "occurred_at", "timezone"),
        (_event(call_back={"operator": "Op"}), "call_back.phone", "Field required"),
        (
            _event(address={"street": "1 Main", "city": "X", "state": "CA", "lat": 33.8}),
            "address",
            "lat and lon come together",
        ),
        ({"message": "cancel", "event_id": "CS-1"}, "cancelled_at", "Field required"),
        ({"message": "status", "event_id": "CS-1"}, "message", "does not match"),
    ],
)
def test_bad_alarm_messages_name_the_field(payload, field, fragment):
    with pytest.raises(AlarmMessageError) as err:
        parse_alarm_message(payload)
    assert err.value.errors[0]["field"] == field
    assert err.value.detail.startswith(f"{field}: ")
    assert fragment in err.value.detail
    assert err.value.status == 422


def test_not_json_is_named():
    with pytest.raises(AlarmMessageError, match=r"^message: not JSON"):
        parse_alarm_message(b"{nope")


def test_call_types_by_category_and_premise():
    assert alarm_call_type("burglary", "residential") == ("ALARM_BURGLARY_RES", "ALMR")
    assert alarm_call_type("burglary", "commercial") == ("ALARM_BURGLARY_COM", "ALMB")
    assert alarm_call_type("holdup", "commercial") == ("ALARM_HOLDUP", "ALRROBS")
    assert alarm_call_type("panic", "residential") == ("ALARM_PANIC", "ALRPANS")
    assert alarm_call_type("fire", "commercial") == ("ALARM_FIRE", "ALRF")
    assert alarm_call_type("sprinkler", "commercial") == ("ALARM_OTHER", "ALRU")
    assert all(apco.isupper() for _, apco in ALARM_CALL_TYPES.values())


@pytest.mark.usefixtures("eido_schema")
def test_alarm_event_maps_to_call_fields():
    event = parse_alarm_message(_event())
    assert isinstance(event, AlarmEvent)
    call = alarm_call(event, received_at=RECEIVED, company="acme-monitoring")
    doc = call.document
    assert (doc.external_id, doc.origin, doc.source) == ("CS-2026-000123", "asap", "alarm_company")
    assert doc.call_type is not None and (doc.call_type.code, doc.call_type.apco) == ("ALARM_BURGLARY_RES", "ALMR")
    assert doc.priority is None  # the catalogue's effective-dated rules decide
    assert doc.times.received == RECEIVED
    assert doc.location is not None and (doc.location.address, doc.location.city, doc.location.postal_code) == (
        "12700 Ashworth Pl #B",
        "Cerritos",
        "90703",
    )
    assert doc.caller is not None and (doc.caller.name, doc.caller.phone) == ("Op 12", "800-555-0199")
    assert doc.narrative == "Burglary alarm, residential; zone 3 (rear slider)"
    assert doc.extra["alarm_permit_number"] == "AP-1234" and doc.extra["alarm_company"] == "acme-monitoring"
    assert call.permit_number == "AP-1234" and call.contacts[0].name == "Pat Doe"
    assert call.call_back_instructions == "call the premise first"
    # The alarm call exports as a valid EIDO once it has an agency.
    assert validate_eido(export_eido(doc, agency_id="station.example", updated_at=RECEIVED)) == []
    commercial = alarm_call(
        parse_alarm_message(_event(premise_type="commercial", response="notify")), received_at=RECEIVED
    )  # type: ignore[arg-type]
    assert commercial.document.call_type is not None and commercial.document.call_type.apco == "ALMB"
    assert commercial.document.narrative is not None and "notification only" in commercial.document.narrative
