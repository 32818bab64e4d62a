"""EIDO import: an EIDO JSON document to a ``CallDocument`` (``import_eido``; ``eido`` re-exports it).

Steps: decode the JSON; validate it against the EIDO 1.0 schema (``eido_schema``); read it. With ``strict`` (the
default, for live feeds) any schema problem is an ``EidoError`` naming every JSON path at fault, so the message can
go to dead letters. With ``strict=False`` (archives, vendors that are close but not conformant) the schema problems
are returned in ``EidoImport.schema_issues`` and the importer reads what it can, including the field names of the
pre-1.0 drafts (``LastUpdateTimeStamp``, ``incidentComponent`` as a list, ``locationInformationComponent``, agent and
agency ids in ``agentIdentification``/``organizationIdentification``), as NENA's historical sample has them. A value
the importer needs but cannot read (a time that is not RFC 3339, a priority outside 0-10, a component that is not an
object) is an ``EidoError`` in both modes.

Mapping back (the inverse of ``eido.export_eido``, and what a third-party EIDO means): ``incident_id`` is the header
``$id``; the call number is ``incidentComponent.internalIncidentId``, else the unique part of a
``urn:emergency:uid:incidentid:<unique>:<domain>`` id, else the whole id; the agency is the one owning the incident
(else the header's ``updatedByAgencyReference``); received is the earliest ``callStartTimestamp``; the location is the
one the incident references, else the first by type CurrentIncident, InitialIncident, Caller, RoutingLocation; a
unit's current status gives its time for that step (its ``lastUpdateTimeStamp``) and the call's step times are the
earliest of its units'; an incident whose common status is Closed or ReOpened gets that time from the incident
component. Agent ids lose their ``@<agency>`` suffix.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Final, Literal

import orjson
from pydantic import ValidationError

from rtcc.dispatch.adapters.document import (
    SOURCES,
    CallDocument,
    Caller,
    CallTimes,
    CallType,
    Disposition,
    Location,
    Note,
    Source,
    UnitRecord,
    UnitTimes,
)
from rtcc.dispatch.adapters.eido_schema import EidoError, EidoIssue, issue, validate_eido
from rtcc.dispatch.adapters.pidf import read_pidf

NARRATIVE_SUFFIX: Final = ":narrative"
_LOCATION_ORDER: Final = ("CurrentIncident", "InitialIncident", "Caller", "RoutingLocation")
_UNIT_STEPS: Final = {
    "Dispatched": "dispatched",
    "Assigned": "dispatched",
    "AcknowledgedTransmission": "acknowledged",
    "EnRoute": "en_route",
    "Arrived": "on_scene",
    "OnScene": "on_scene",
    "Cleared": "cleared",
}
_INCIDENT_PREFIX: Final = re.compile(r"^urn:emergency:uid:incidentid:(.+):[^:]+$", re.IGNORECASE)
_APCO: Final = re.compile(r"^[A-Z0-9]{2,10}$")
_TAG: Final = re.compile(r"<[^>]*>")
_DRAFT_KEYS: Final = frozenset({"EIDOVersion", "LastUpdateTimeStamp", "incidentTrackingIdentifier"})
_RENAMES: Final = {
    "LastUpdateTimeStamp": "lastUpdateTimeStamp",
    "EIDOVersion": "eidoVersion",
    "locationInformationComponent": "locationComponent",
    "alarmsSensorComponent": "alarmsSensorsComponent",
}


@dataclass(frozen=True, slots=True)
class EidoImport:
    """An imported EIDO: the call, the Incident Tracking Identifier to match updates by, the header's last update
    time, which dialect it was (``1.0``, or a pre-1.0 ``draft``) and the schema problems tolerated (non-strict)."""

    document: CallDocument
    incident_id: str
    last_updated: datetime | None
    dialect: Literal["1.0", "draft"]
    schema_issues: tuple[EidoIssue, ...] = ()


def _upgrade_component(component: Any) -> Any:
    if not isinstance(component, dict):
        return component
    out = {_RENAMES.get(k, k): v for k, v in component.items()}
    owner = component.get("OwningAgencyIdentifier")
    if isinstance(owner, str):
        out.setdefault("updatedByAgencyReference", {"$ref": owner})
        out.setdefault("agencyReference", {"$ref": owner})
    agent = component.get("UpdatedByAgentIdentifier")
    if isinstance(agent, str):
        out.setdefault("updatedByAgentReference", {"$ref": agent})
    for key in ("agentIdentification", "organizationIdentification"):
        if isinstance(component.get(key), str):
            out["$id"] = component[key]
    for key in ("agentRoleRegistryText", "agencyType"):
        if isinstance(out.get(key), str):
            out[key] = [out[key]]
    return out


def _upgrade_draft(doc: dict[str, Any]) -> dict[str, Any]:
    """A pre-1.0 draft EIDO renamed into the 1.0 shape, for reading (not for validation)."""
    out: dict[str, Any] = _upgrade_component(doc)
    if isinstance(doc.get("incidentTrackingIdentifier"), str):
        out["$id"] = doc["incidentTrackingIdentifier"]
    for key, value in list(out.items()):
        if key.endswith("Component") and isinstance(value, list):
            out[key] = [_upgrade_component(c) for c in value]
    incident = out.get("incidentComponent")
    if isinstance(incident, list):
        out["incidentComponent"] = incident[0] if incident else None
    for dispatch in out.get("dispatchComponent") or []:
        if isinstance(dispatch, dict) and isinstance(dispatch.get("$id"), str) and "." in dispatch["$id"]:
            dispatch["agencyReference"] = {"$ref": dispatch["$id"]}
    return out


class _Reader:
    """Reads one 1.0-shaped EIDO, naming the JSON path of anything it cannot read."""

    def __init__(self, doc: dict[str, Any]) -> None:
        self.doc = doc
        self.by_id: dict[str, tuple[str, dict[str, Any]]] = {}
        for key, value in doc.items():
            if key.endswith("Component") and isinstance(value, list):
                for n, component in enumerate(self.components(key)):
                    cid = component.get("$id")
                    if isinstance(cid, str):
                        self.by_id.setdefault(cid, (f"$.{key}[{n}]", component))

    def components(self, key: str) -> list[dict[str, Any]]:
        value = self.doc.get(key)
        if value is None:
            return []
        if not isinstance(value, list):
            raise issue(f"$.{key}", "must be an array")
        for n, item in enumerate(value):
            if not isinstance(item, dict):
                raise issue(f"$.{key}[{n}]", "must be an object")
        return list(value)

    @staticmethod
    def text(obj: Mapping[str, Any], key: str, path: str) -> str | None:
        value = obj.get(key)
        if value is None:
            return None
        if not isinstance(value, str):
            raise issue(f"{path}.{key}", "must be a string")
        return value.strip() or None

    @staticmethod
    def texts(obj: Mapping[str, Any], key: str, path: str) -> list[str]:
        value = obj.get(key)
        if value is None:
            return []
        if isinstance(value, str):
            return [value]
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise issue(f"{path}.{key}", "must be an array of strings")
        return value

    def time(self, obj: Mapping[str, Any], key: str, path: str) -> datetime | None:
        text = self.text(obj, key, path)
        if text is None:
            return None
        try:
            value = datetime.fromisoformat(text)
        except ValueError:
            raise issue(f"{path}.{key}", f"not an RFC 3339 date-time: {text[:40]!r}") from None
        if value.tzinfo is None:
            raise issue(f"{path}.{key}", "a date-time needs a UTC offset")
        return value

    def refs(self, obj: Mapping[str, Any], key: str, path: str) -> list[str]:
        value = obj.get(key)
        items = value if isinstance(value, list) else [value] if isinstance(value, dict) else []
        if value is not None and not items and value != []:
            raise issue(f"{path}.{key}", "must be a reference or an array of references")
        out = []
        for n, item in enumerate(items):
            ref = item.get("$ref") if isinstance(item, dict) else None
            if not isinstance(ref, str):
                where = f"{path}.{key}[{n}]" if isinstance(value, list) else f"{path}.{key}"
                raise issue(where, "a reference needs a string $ref")
            out.append(ref)
        return out

    def target(self, ref: str) -> tuple[str, dict[str, Any]] | None:
        return self.by_id.get(ref)


def _decode(payload: bytes | str | Mapping[str, Any]) -> dict[str, Any]:
    if isinstance(payload, Mapping):
        return dict(payload)
    try:
        data = orjson.loads(payload)
    except orjson.JSONDecodeError as exc:
        raise issue("$", f"not JSON: {exc}") from None
    if not isinstance(data, dict):
        raise issue("$", "an EIDO must be a JSON object")
    return data


def import_eido(
    payload: bytes | str | Mapping[str, Any], *, strict: bool = True, schema: str | Path | None = None
) -> EidoImport:
    """Read an EIDO (raw JSON or decoded) into a ``CallDocument``; EidoError naming the JSON paths of its problems
    (see the module docstring for ``strict``; ``schema``: the bundle, ``eido_schema.schema_path``)."""
    raw = _decode(payload)
    draft = bool(_DRAFT_KEYS & raw.keys()) or isinstance(raw.get("incidentComponent"), list)
    issues = validate_eido(raw, schema=schema)
    if strict and issues:
        raise EidoError(issues)
    doc = _upgrade_draft(raw) if draft else raw
    r = _Reader(doc)
    incident_id = r.text(doc, "$id", "$")
    if incident_id is None:
        raise issue("$.$id", "an EIDO needs its Incident Tracking Identifier")
    try:
        call = _read_call(r, doc, incident_id)
    except ValidationError as exc:
        first = exc.errors()[0]
        raise issue("$", f"cannot be read as a call: {'.'.join(map(str, first['loc']))}: {first['msg']}") from None
    return EidoImport(
        document=call,
        incident_id=incident_id,
        last_updated=r.time(doc, "lastUpdateTimeStamp", "$"),
        dialect="draft" if draft else "1.0",
        schema_issues=tuple(issues),
    )


def _source(local: str | None, primary: str | None) -> Source | None:
    for value in SOURCES:
        if local == value:
            return value
    return "911" if primary == "emergency" else None


def _strip_agency(agent_id: str, agencies: set[str]) -> str:
    name, at, domain = agent_id.rpartition("@")
    return name if at and domain in agencies and name else agent_id


def _read_call(r: _Reader, doc: dict[str, Any], incident_id: str) -> CallDocument:
    agencies = r.components("agencyComponent")
    owner = next((a for a in agencies if a.get("incidentOwningAgencyIndicator") is True), None)
    header_agency = r.refs(doc, "updatedByAgencyReference", "$")
    agency = (owner or {}).get("$id") if owner else (header_agency[0] if header_agency else None)
    agency_ids = {a["$id"] for a in agencies if isinstance(a.get("$id"), str)} | set(header_agency)
    agents = {a["$id"]: a for a in r.components("agentComponent") if isinstance(a.get("$id"), str)}

    def who(ref: str) -> str:
        return _strip_agency(ref, agency_ids)

    incident = doc.get("incidentComponent")
    ipath = "$.incidentComponent"
    if incident is not None and not isinstance(incident, dict):
        raise issue(ipath, "must be an object")
    incident = incident or {}
    extra: dict[str, str] = {}
    common_type = r.text(incident, "incidentTypeCommonRegistryText", ipath)
    if common_type and not _APCO.match(common_type):
        extra["incidentTypeCommonRegistryText"] = common_type
        common_type = None
    code = r.text(incident, "incidentTypeInternalCode", ipath)
    type_text = r.text(incident, "incidentTypeInternalText", ipath)
    priority_number = incident.get("incidentCommonPriorityNumber")
    if priority_number is not None and (
        not isinstance(priority_number, int) or isinstance(priority_number, bool) or not 0 <= priority_number <= 10
    ):
        raise issue(f"{ipath}.incidentCommonPriorityNumber", "must be an integer from 0 to 10")
    external_id = r.text(incident, "internalIncidentId", ipath)
    if external_id is None:
        match = _INCIDENT_PREFIX.match(incident_id)
        external_id = match.group(1) if match else incident_id

    calls = r.components("callComponent")
    starts = [t for n, c in enumerate(calls) if (t := r.time(c, "callStartTimestamp", f"$.callComponent[{n}]"))]
    received = min(starts) if starts else None
    source: Source | None = None
    for n, c in enumerate(calls):
        local = r.text(c, "localCallType", f"$.callComponent[{n}]")
        primary = r.text(c, "standardPrimaryCallType", f"$.callComponent[{n}]")
        source = _source(local, primary)
        if source:
            break

    times: dict[str, datetime | None] = {"received": received}
    statuses = r.texts(incident, "incidentStatusCommonRegistryText", ipath)
    incident_time = r.time(incident, "lastUpdateTimeStamp", ipath)
    if "Closed" in statuses:
        times["closed"] = incident_time
    if "ReOpened" in statuses:
        times["reopened"] = incident_time

    units = []
    for n, unit in enumerate(r.components("emergencyResourceComponent")):
        path = f"$.emergencyResourceComponent[{n}]"
        at = r.time(unit, "lastUpdateTimeStamp", path)
        unit_times = {
            _UNIT_STEPS[s]: at for s in r.texts(unit, "secondaryUnitStatusRegistryText", path) if s in _UNIT_STEPS
        }
        for step, value in unit_times.items():
            current = times.get(step)
            if value is not None and (current is None or value < current):
                times[step] = value
        internal = r.texts(unit, "unitStatusInternal", path)
        units.append(
            UnitRecord(
                unit_id=r.text(unit, "emergencyResourceName", path) or r.text(unit, "$id", path) or f"unit-{n + 1}",
                unit_type=r.text(unit, "emergencyResourceTypeInternalText", path),
                resource_type=r.text(unit, "emergencyResourceTypeCommonRegistryText", path),
                status=internal[0] if internal else None,
                primary=n == 0,
                times=UnitTimes(**unit_times),
                personnel=[who(a) for a in r.refs(unit, "agentReference", path)],
            )
        )

    narrative = None
    notes = []
    for n, note in enumerate(r.components("notesComponent")):
        path = f"$.notesComponent[{n}]"
        text = r.text(note, "notesActionComments", path)
        text = " ".join(html.unescape(_TAG.sub(" ", text)).split()) if text else None
        if not text:
            continue
        if str(note.get("$id", "")).endswith(NARRATIVE_SUFFIX):
            narrative = text
            continue
        author = r.refs(note, "agentReference", path)
        notes.append(
            Note(text=text, at=r.time(note, "lastUpdateTimeStamp", path), author=who(author[0]) if author else None)
        )

    def role(name: str) -> str | None:
        return next((who(a) for a, c in agents.items() if name in (c.get("agentRoleRegistryText") or [])), None)

    dispatcher = None
    for n, d in enumerate(r.components("dispatchComponent")):
        refs = r.refs(d, "agentReference", f"$.dispatchComponent[{n}]")
        if refs:
            dispatcher = who(refs[0])
            break
    disposition = _disposition(r, incident, ipath)
    location = _location(r, incident, ipath)
    beat = r.text(incident, "beatOrDispatchGroupText", ipath)
    if beat:
        location = (location or Location()).model_copy(update={"beat": beat})
    return CallDocument(
        external_id=external_id,
        incident_id=incident_id,
        origin="eido",
        source=source,
        agency=agency,
        call_type=CallType(code=code, text=type_text, apco=common_type) if (code or type_text or common_type) else None,
        priority=r.text(incident, "incidentPriorityInternalText", ipath),
        common_priority=priority_number,
        times=CallTimes(**times),
        location=location,
        caller=_caller(r, calls),
        narrative=narrative,
        notes=notes,
        units=units,
        disposition=disposition,
        call_taker=role("Call Taking"),
        dispatcher=dispatcher or role("Dispatching"),
        extra=extra,
    )


def _location(r: _Reader, incident: Mapping[str, Any], ipath: str) -> Location | None:
    candidates: list[tuple[str, dict[str, Any]]] = []
    for ref in r.refs(incident, "locationReference", ipath):
        found = r.target(ref)
        if found:
            candidates.append(found)
    typed = [(f"$.locationComponent[{n}]", c) for n, c in enumerate(r.components("locationComponent"))]
    rank = {name: i for i, name in enumerate(_LOCATION_ORDER)}
    typed.sort(key=lambda pc: rank.get(str(pc[1].get("locationTypeDescriptionRegistryText")), len(rank)))
    for path, component in candidates + typed:
        value = r.text(component, "locationByValue", path)
        place = read_pidf(value) if value else None
        if place is None or place.is_empty():
            continue
        cross = r.texts(component, "crossStreetByValue", path)
        return Location(
            lat=place.lat,
            lon=place.lon,
            address=place.address,
            city=place.city,
            state=place.state,
            postal_code=place.postal_code,
            country=place.country,
            place_name=place.place_name,
            cross_street=read_pidf(cross[0]).address if cross else None,
            description=r.text(component, "locationDescriptionText", path),
        )
    return None


def _caller(r: _Reader, calls: list[dict[str, Any]]) -> Caller | None:
    persons = r.components("personComponent")
    for n, person in enumerate(persons):
        path = f"$.personComponent[{n}]"
        if not any(role.lower() == "caller" for role in r.texts(person, "personIncidentRoleRegistryText", path)):
            continue
        name = None
        nc = person.get("ncPersonComponent")
        names = nc.get("name") if isinstance(nc, dict) else None
        if isinstance(names, list) and names and isinstance(names[0], dict):
            name = _name(names[0])
        callbacks = r.refs(person, "callBackReference", path)
        if not callbacks:
            callbacks = [
                ref for n2, c in enumerate(calls) for ref in r.refs(c, "callBackReference", f"$.callComponent[{n2}]")
            ]
        phone = None
        for ref in callbacks:
            found = r.target(ref)
            if found:
                uris = r.texts(found[1], "callBackInformationUri", found[0])
                tel = [u for u in uris if u.lower().startswith("tel:")]
                phone = tel[0][4:] if tel else (uris[0] if uris else None)
                break
        if name or phone:
            return Caller(name=name, phone=phone)
    return None


def _name(name: Mapping[str, Any]) -> str | None:
    def first(key: str) -> str | None:
        values = name.get(key)
        if isinstance(values, list) and values and isinstance(values[0], dict):
            value = values[0].get("value")
            return value.strip() if isinstance(value, str) and value.strip() else None
        return None

    full = first("personFullName")
    if full:
        return full
    parts = [p for p in (first("personGivenName"), first("personMiddleName"), first("personSurName")) if p]
    return " ".join(parts) or None


def _disposition(r: _Reader, incident: Mapping[str, Any], ipath: str) -> Disposition | None:
    value = incident.get("dispositionComponent")
    if not value:
        return None
    if not isinstance(value, list) or not all(isinstance(d, dict) for d in value):
        raise issue(f"{ipath}.dispositionComponent", "must be an array of objects")
    ordered = sorted(enumerate(value), key=lambda nd: nd[1].get("dispositionPrimaryIndicator") is not True)
    n, d = ordered[0]
    path = f"{ipath}.dispositionComponent[{n}]"
    common = r.text(d, "dispositionCommonRegistryCode", path)
    numeric = common is not None and common.isdigit() and 2 <= len(common) <= 3
    return Disposition(
        code=r.text(d, "dispositionCategoryText", path),
        text=r.text(d, "dispositionDescriptionText", path) or (None if numeric else common),
        common_code=common if numeric else None,
    )
