"""NENA EIDO (NENA-STA-021.1b, EIDO JSON 1.0) export and import of a ``CallDocument``.

``export_eido(call, agency_id=..., updated_at=...)`` writes the call as an EIDO that validates against the packaged
EIDO 1.0 schema (``eido_schema``; it is checked before it is returned). ``import_eido(payload)`` reads an EIDO into a
``CallDocument`` (in ``eido_read``); the EIDO's ``$id``, its Incident Tracking Identifier, is carried as
``CallDocument.incident_id`` so the integrator can match an update to the call it created.

What the export writes, and why (an EIDO conveys the incident's *current* state, not its history, STA-021 section 2):
- header ``$id``: the call's ``incident_id``, else ``urn:emergency:uid:incidentid:<call number>:<agency_id>``
  (NENA-STA-010's form);
- ``agencyComponent``: the agency (``agency_id``, a domain-style id), role Dispatching, owning the incident;
- ``callComponent``: one call, started at ``times.received``; ``localCallType`` is the call's source (911, phone,
  alarm_company...), ``standardPrimaryCallType`` ``emergency`` for 911, text and alarm calls, else
  ``nonEmergency``; the caller is a ``personComponent`` (role Caller, NIEM ``personFullName``) with a
  ``callbackComponent`` (``tel:`` URI);
- ``incidentComponent``: internal call type code/text, the APCO common incident type, priority text and the 0-10
  common priority, status (internal: the call's latest step; common: Active, ResourcesAssigned, ResourcesEnroute,
  ResourcesOnscene, Closed, ReOpened), the call number as ``internalIncidentId``, the beat, the disposition. The
  schema requires an APCO incident type in this component: a call whose type has no APCO code is exported without
  it (its call number still travels in the header ``$id``);
- ``locationComponent``: type CurrentIncident, a PIDF-LO (``pidf``) with the point and/or civic address, the cross
  street as a second PIDF-LO, the description as text;
- ``emergencyResourceComponent`` per unit (name, internal type, EIDO resource type, status: primary NotAvailable
  while assigned or Available once cleared, secondary the unit's latest step) and one ``dispatchComponent`` listing
  them; the unit's latest step time is its ``lastUpdateTimeStamp``;
- ``notesComponent``: the narrative (id ending ``:narrative``) and each note (HTML-escaped text, its time, its author
  as an agent);
- ``agentComponent``: the call taker (Call Taking), the dispatcher and note authors (Dispatching), unit personnel.
  Agent ids without a domain get ``@<agency_id>``.
Not carried (no EIDO field or history only): queued, acknowledged and per-step times other than each unit's current
one, ``origin``, ``time_precision``, ``officer`` and ``extra``. Agent roles other than the two NENA's samples use and
the Responder role given to unit personnel are not checked against the STA-010 Agent Roles registry (not available
here).
"""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Final

from rtcc.dispatch.adapters.document import CallDocument, Location, UnitRecord
from rtcc.dispatch.adapters.eido_read import NARRATIVE_SUFFIX, EidoImport, import_eido
from rtcc.dispatch.adapters.eido_schema import EidoError, EidoIssue, check_eido, validate_eido
from rtcc.dispatch.adapters.pidf import write_pidf

__all__ = ["EidoError", "EidoImport", "EidoIssue", "export_eido", "import_eido", "validate_eido"]

EIDO_VERSION: Final = "1.0"
#: Unit types (lower case) -> EIDO Emergency Resource Type-Common registry values, for units without one.
RESOURCE_TYPES: Final = {
    "patrol": "PatrolUnit",
    "deputy": "PatrolUnit",
    "deputy_patrol": "PatrolUnit",
    "sergeant": "CommandLevel3",
    "special_assignment": "PatrolUnit",
    "cso": "CivilServiceOfficer",
    "parking": "ParkingEnforcement",
    "parking_enforcement": "ParkingEnforcement",
    "traffic": "TrafficUnit",
    "drone": "UnmannedAerialVehicle",
    "k9": "CanineSearchandRescue",
}
_UNIT_STATUS: Final = {
    "dispatched": "Dispatched",
    "acknowledged": "AcknowledgedTransmission",
    "en_route": "EnRoute",
    "on_scene": "OnScene",
    "cleared": "Cleared",
}
_INCIDENT_STATUS: Final = {
    "received": "Active",
    "queued": "Active",
    "dispatched": "ResourcesAssigned",
    "acknowledged": "ResourcesAssigned",
    "en_route": "ResourcesEnroute",
    "on_scene": "ResourcesOnscene",
    "cleared": "ResourcesOnscene",
    "closed": "Closed",
    "reopened": "ReOpened",
}
_EMERGENCY_SOURCES: Final = frozenset({"911", "text", "alarm_company"})
_UNSAFE: Final = re.compile(r"[^A-Za-z0-9._-]+")


def _stamp(value: datetime) -> str:
    """RFC 3339 UTC, milliseconds when the time has them."""
    value = value.astimezone(UTC)
    text = value.isoformat(timespec="milliseconds" if value.microsecond else "seconds")
    return text.replace("+00:00", "Z")


class _Writer:
    """Builds one EIDO; holds the agency, the update time and the agents met on the way."""

    def __init__(self, call: CallDocument, agency_id: str, updated_at: datetime) -> None:
        self.call = call
        self.agency = agency_id
        self.updated = _stamp(updated_at)
        self.unique = _UNSAFE.sub("-", call.external_id).strip("-") or "0"
        self.agents: dict[str, list[str]] = {}

    def cid(self, kind: str) -> str:
        return f"urn:emergency:uid:eidodatacomponent:{kind}.{self.unique}:{self.agency}"

    def prologue(self, cid: str, at: datetime | None = None) -> dict[str, Any]:
        return {
            "$id": cid,
            "lastUpdateTimeStamp": _stamp(at) if at else self.updated,
            "updatedByAgencyReference": {"$ref": self.agency},
        }

    def agent(self, name: str, role: str) -> str:
        agent_id = name if "@" in name else f"{name}@{self.agency}"
        roles = self.agents.setdefault(agent_id, [])
        if role not in roles:
            roles.append(role)
        return agent_id

    def agent_components(self) -> list[dict[str, Any]]:
        return [
            {
                **self.prologue(agent_id),
                "agentRoleRegistryText": roles,
                "agencyReference": {"$ref": self.agency},
            }
            for agent_id, roles in self.agents.items()
        ]


def _location(w: _Writer, loc: Location) -> dict[str, Any] | None:
    text = write_pidf(
        entity=w.cid("location"),
        lat=loc.lat,
        lon=loc.lon,
        address=loc.address,
        city=loc.city,
        state=loc.state,
        postal_code=loc.postal_code,
        country=loc.country,
        place_name=loc.place_name,
    )
    if not (loc.has_point() or loc.address or loc.place_name or loc.city):
        return None
    component: dict[str, Any] = {
        **w.prologue(w.cid("location")),
        "locationTypeDescriptionRegistryText": "CurrentIncident",
        "locationByValue": text,
    }
    if loc.description:
        component["locationDescriptionText"] = loc.description
    if loc.cross_street:
        component["crossStreetByValue"] = [
            write_pidf(entity=w.cid("crossstreet"), address=loc.cross_street, city=loc.city, state=loc.state)
        ]
    return component


def _unit(w: _Writer, n: int, unit: UnitRecord) -> dict[str, Any]:
    step = unit.times.latest_step()
    at = getattr(unit.times, step) if step else None
    resource_type = unit.resource_type or RESOURCE_TYPES.get((unit.unit_type or "").lower(), "PatrolUnit")
    component: dict[str, Any] = {
        **w.prologue(w.cid(f"unit-{n}"), at),
        "emergencyResourceName": unit.unit_id,
        "emergencyResourceTypeCommonRegistryText": resource_type,
        "resourceAttributeRegistryText": [],
        "primaryUnitStatusRegistryText": "Available" if step == "cleared" else "NotAvailable",
        "secondaryUnitStatusRegistryText": [_UNIT_STATUS[step] if step else "Assigned"],
        "agentReference": [{"$ref": w.agent(p, "Responder")} for p in unit.personnel],
    }
    if unit.unit_type:
        component["emergencyResourceTypeInternalText"] = unit.unit_type
    if unit.status:
        component["unitStatusInternal"] = [unit.status]
    return component


def _notes(w: _Writer, call: CallDocument) -> list[dict[str, Any]]:
    notes = []
    if call.narrative:
        narrative = {**w.prologue(w.cid("note") + NARRATIVE_SUFFIX, call.times.received)}
        narrative["notesActionComments"] = html.escape(call.narrative, quote=False)
        if call.call_taker:
            narrative["agentReference"] = {"$ref": w.agent(call.call_taker, "Call Taking")}
        notes.append(narrative)
    for n, note in enumerate(call.notes, start=1):
        component = {
            **w.prologue(w.cid(f"note-{n}"), note.at),
            "notesActionComments": html.escape(note.text, quote=False),
        }
        if note.author:
            component["agentReference"] = {"$ref": w.agent(note.author, "Dispatching")}
        notes.append(component)
    return notes


def _incident(w: _Writer, call: CallDocument, refs: dict[str, list[dict[str, str]]]) -> dict[str, Any] | None:
    kind = call.call_type
    if kind is None or kind.apco is None:
        return None
    step = call.status()
    incident: dict[str, Any] = {
        **w.prologue(w.cid("incident"), call.times.closed if step == "closed" else None),
        "incidentTypeCommonRegistryText": kind.apco,
        "internalIncidentId": call.external_id,
    }
    if kind.code:
        incident["incidentTypeInternalCode"] = kind.code
    if kind.text:
        incident["incidentTypeInternalText"] = kind.text
    if step:
        incident["incidentStatusInternalText"] = [step]
        incident["incidentStatusCommonRegistryText"] = [_INCIDENT_STATUS[step]]
    if call.priority:
        incident["incidentPriorityInternalText"] = call.priority
    if call.common_priority is not None:
        incident["incidentCommonPriorityNumber"] = call.common_priority
    if call.location and call.location.beat:
        incident["beatOrDispatchGroupText"] = call.location.beat
    disposition = call.disposition
    if disposition and disposition.common_code:
        component: dict[str, Any] = {
            **w.prologue(w.cid("disposition")),
            "dispositionCommonRegistryCode": disposition.common_code,
            "dispositionPrimaryIndicator": True,
        }
        if disposition.code:
            component["dispositionCategoryText"] = disposition.code
        if disposition.text:
            component["dispositionDescriptionText"] = disposition.text
        incident["dispositionComponent"] = [component]
    for key in ("locationReference", "personReference", "notesReference"):
        if refs.get(key):
            incident[key] = refs[key]
    return incident


def export_eido(
    call: CallDocument,
    *,
    agency_id: str | None = None,
    updated_at: datetime,
    issuing_element: str | None = None,
    agency_type: str = "police",
    schema: str | Path | None = None,
) -> dict[str, Any]:
    """The call as an EIDO 1.0 document (a JSON-ready dict), checked against the schema (EidoError if it is not
    valid, which would be a bug here). ``agency_id``: the agency's domain-style identifier (default: the call's
    ``agency``); ``updated_at``: when the call last changed; ``issuing_element``: the functional element writing it
    (default the agency id); ``agency_type``: from the IANA urn:emergency:service:responder registry; ``schema``: the
    schema bundle (``eido_schema.schema_path``)."""
    agency = agency_id or call.agency
    if not agency:
        raise EidoError([EidoIssue("$.updatedByAgencyReference", "an agency id is needed to export an EIDO")])
    w = _Writer(call, agency, updated_at)
    incident_id = call.incident_id or f"urn:emergency:uid:incidentid:{w.unique}:{agency}"
    doc: dict[str, Any] = {
        **w.prologue(incident_id),
        "eidoVersion": EIDO_VERSION,
        "issuingElementIdentification": issuing_element or agency,
    }
    refs: dict[str, list[dict[str, str]]] = {}
    components: dict[str, list[dict[str, Any]]] = {}
    location = _location(w, call.location) if call.location else None
    if location:
        components["locationComponent"] = [location]
        refs["locationReference"] = [{"$ref": location["$id"]}]
    notes = _notes(w, call)
    if notes:
        components["notesComponent"] = notes
        refs["notesReference"] = [{"$ref": n["$id"]} for n in notes]
    call_id = f"urn:emergency:uid:callid:{w.unique}:{agency}"
    caller = call.caller
    if caller and (caller.name or caller.phone):
        person: dict[str, Any] = {
            **w.prologue(w.cid("caller")),
            "personIncidentRoleRegistryText": ["Caller"],
            "callIdentifier": [call_id],
        }
        if caller.name:
            person["ncPersonComponent"] = {"name": [{"personFullName": [{"value": caller.name}]}]}
        if caller.phone:
            callback = {**w.prologue(w.cid("callback")), "callBackInformationUri": [_tel(caller.phone)]}
            components["callbackComponent"] = [callback]
            person["callBackReference"] = {"$ref": callback["$id"]}
        components["personComponent"] = [person]
        refs["personReference"] = [{"$ref": person["$id"]}]
    if call.times.received is not None:
        call_component: dict[str, Any] = {
            **w.prologue(call_id, call.times.received),
            "standardPrimaryCallType": "emergency" if call.source in _EMERGENCY_SOURCES else "nonEmergency",
            "direction": "incoming",
            "callStartTimestamp": _stamp(call.times.received),
            "callStateRegistryText": "callEnd" if call.status() not in (None, "received") else "callAnswered",
        }
        if call.source:
            call_component["localCallType"] = call.source
        if call.call_taker:
            call_component["agentReference"] = [{"$ref": w.agent(call.call_taker, "Call Taking")}]
        for key in ("locationReference", "personReference"):
            if refs.get(key):
                call_component[key] = refs[key]
        if "callbackComponent" in components:
            call_component["callBackReference"] = {"$ref": components["callbackComponent"][0]["$id"]}
        components["callComponent"] = [call_component]
    incident = _incident(w, call, refs)
    if incident:
        doc["incidentComponent"] = incident
    if call.call_taker:
        w.agent(call.call_taker, "Call Taking")
    units = [_unit(w, n, unit) for n, unit in enumerate(call.units, start=1)]
    if units:
        components["emergencyResourceComponent"] = units
    if units or call.dispatcher:
        dispatch: dict[str, Any] = {
            **w.prologue(w.cid("dispatch"), call.times.dispatched),
            "agencyReference": {"$ref": agency},
        }
        if units:
            dispatch["emergencyResourceReference"] = [{"$ref": u["$id"]} for u in units]
        if call.dispatcher:
            dispatch["agentReference"] = {"$ref": w.agent(call.dispatcher, "Dispatching")}
        components["dispatchComponent"] = [dispatch]
    doc.update(components)
    doc["agencyComponent"] = [
        {
            **w.prologue(agency),
            "agencyRoleDescriptionRegistryText": ["Dispatching"],
            "agencyType": [agency_type],
            "incidentOwningAgencyIndicator": True,
        }
    ]
    if w.agents:
        doc["agentComponent"] = w.agent_components()
    check_eido(doc, schema=schema)
    return doc


def _tel(phone: str) -> str:
    """A ``tel:`` URI of a phone number as written ("(562) 555-0100" -> tel:5625550100); URIs pass through."""
    if re.match(r"^[a-z][a-z0-9+.-]*:", phone):
        return phone
    digits = "".join(ch for ch in phone if ch.isdigit() or ch == "+")
    return f"tel:{digits or phone}"
