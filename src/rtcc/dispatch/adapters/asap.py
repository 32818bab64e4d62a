"""Alarm-company messages: an ASAP-style alarm event and cancel schema (JSON), its parser, and the pure mapping from an
alarm event to the call it creates.

"ASAP-style", not ASAP: the fields follow what APCO/CSAA ANS 2.101.2-2014 (Alarm Monitoring Company to PSAP CAD
External Alarm Interface Exchange, "ASAP to PSAP") carries, as read from public descriptions of it and the NIEM APCO
namespace shipped with NENA's EIDO schema (``apco:AlarmEventCategoryCode`` BURG / Holdup / FIRE / Medical / Comm,
``apco:AlarmEventLocationCategoryCode`` residential / commercial, ``apco:AlarmEventResponseActionCode`` respond /
notify). It is JSON with our own field names, not the standard's NIEM XML, and it is not certified against ANS
2.101 or by The Monitoring Association. Fields that follow ASAP's content: the monitoring company's event id
(``event_id``), the event category and the residential/commercial premise type, the event time, the premise address
with optional coordinates and cross street, the premise (business) name, the alarm permit number, the zone (number
and description; ASAP's "alarm zone"/point), the contacts/keyholders (name, phone), the central-station operator and
call-back number with call-back instructions, the event details text, the requested response (respond/notify), and
the cancel request that refers to an earlier event id. ASAP's service messages for the PSAP's replies (acknowledge,
dispatched, on scene, closed) are not modelled here.

Parsing forbids unknown fields everywhere except ``extensions`` (a free JSON object), which stands for ASAP's
extension points for vendor data; a bad message is an ``AlarmMessageError`` naming the field (``address.city``).

``alarm_call`` maps an event to the call fields it produces: call type code and APCO common incident type by
category and premise type (``ALARM_CALL_TYPES``), source ``alarm_company``, the premise as the location, the
operator's call-back number as the caller. It sets no priority: the call-type catalogue and its effective-dated rules
decide that (Cerritos' residential burglary alarm is Priority from November 2024).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any, Final, Literal

import orjson
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, TypeAdapter, ValidationError, model_validator

from rtcc.core.errors import ValidationFailed, field_error
from rtcc.dispatch.adapters.document import CallDocument, Caller, CallTimes, CallType, Location

AlarmCategory = Literal["burglary", "holdup", "panic", "fire", "medical", "other"]
PremiseType = Literal["residential", "commercial"]
SOURCE: Final = "alarm_company"

#: (category, premise type) -> (our call type code, APCO common incident type). APCO codes are from the EIDO Incident
#: Type-Common registry (APCO ANS 2.103.2-2019): ALMR "Residential Alarm", ALMB "Commercial Alarm" (the pair that
#: keeps residential and commercial burglary alarms apart; they are not in the older NIEM APCO 4.0 code list),
#: ALRROBS "Robbery Alarm Silent" (hold-up), ALRPANS "Panic Alarm Silent", ALRF "Generic Fire Alarm", ALRMED
#: "Medical Alarm", ALRU "Alarm Unknown".
ALARM_CALL_TYPES: Final[dict[tuple[str, str], tuple[str, str]]] = {
    ("burglary", "residential"): ("ALARM_BURGLARY_RES", "ALMR"),
    ("burglary", "commercial"): ("ALARM_BURGLARY_COM", "ALMB"),
    ("holdup", "residential"): ("ALARM_HOLDUP", "ALRROBS"),
    ("holdup", "commercial"): ("ALARM_HOLDUP", "ALRROBS"),
    ("panic", "residential"): ("ALARM_PANIC", "ALRPANS"),
    ("panic", "commercial"): ("ALARM_PANIC", "ALRPANS"),
    ("fire", "residential"): ("ALARM_FIRE", "ALRF"),
    ("fire", "commercial"): ("ALARM_FIRE", "ALRF"),
    ("medical", "residential"): ("ALARM_MEDICAL", "ALRMED"),
    ("medical", "commercial"): ("ALARM_MEDICAL", "ALRMED"),
    ("other", "residential"): ("ALARM_OTHER", "ALRU"),
    ("other", "commercial"): ("ALARM_OTHER", "ALRU"),
}
_CATEGORY_WORDS: Final = {"burglary": "Burglary", "holdup": "Hold-up", "panic": "Panic", "fire": "Fire"}

Text = Annotated[str, Field(min_length=1, max_length=500)]
Short = Annotated[str, Field(min_length=1, max_length=100)]
Phone = Annotated[str, Field(min_length=3, max_length=40, pattern=r"^[0-9+()#*.,;:=a-zA-Z\- ]+$")]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, frozen=True)


class PremiseAddress(_Strict):
    """The alarmed premise: street address (number and street), unit, city, state, postal code, optional point."""

    street: Text
    unit: Short | None = None
    city: Short
    state: Annotated[str, Field(min_length=2, max_length=2, pattern=r"^[A-Z]{2}$")]
    postal_code: Annotated[str, Field(pattern=r"^\d{5}(-\d{4})?$")] | None = None
    cross_street: Short | None = None
    lat: float | None = Field(default=None, ge=-90, le=90)
    lon: float | None = Field(default=None, ge=-180, le=180)
    #: Directions or a description of the premise ("rear warehouse door", "gate code 1234").
    description: Text | None = None

    @model_validator(mode="after")
    def _pair(self) -> PremiseAddress:
        if (self.lat is None) != (self.lon is None):
            raise ValueError("lat and lon come together")
        return self


class AlarmZone(_Strict):
    """The zone (ASAP's alarm zone or point) that tripped: its number and what it covers."""

    number: Short
    description: Text | None = None


class AlarmContact(_Strict):
    """A person to reach about the premise: a keyholder, the premise's own line, a responsible party."""

    name: Short
    phone: Phone | None = None
    role: Literal["keyholder", "premise", "responsible_party", "other"] = "keyholder"


class CallBack(_Strict):
    """How the dispatcher reaches the monitoring centre about this event."""

    operator: Short | None = None
    phone: Phone
    instructions: Text | None = None


class AlarmEvent(_Strict):
    """A new alarm from a monitoring company (ASAP "alarm" message)."""

    message: Literal["alarm"]
    #: The monitoring company's own id of the event; a cancel refers to it.
    event_id: Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9._:/-]+$")]
    category: AlarmCategory
    premise_type: PremiseType
    occurred_at: AwareDatetime
    address: PremiseAddress
    premise_name: Short | None = None
    permit_number: Annotated[str, Field(min_length=1, max_length=40)] | None = None
    zone: AlarmZone | None = None
    contacts: Annotated[list[AlarmContact], Field(max_length=10)] = Field(default_factory=list)
    call_back: CallBack
    details: Text | None = None
    response: Literal["respond", "notify"] = "respond"
    extensions: dict[str, Any] = Field(default_factory=dict)


class AlarmCancel(_Strict):
    """The monitoring company withdraws an earlier event (ASAP "cancel" request): before dispatch it closes the call,
    after it the dispatcher decides."""

    message: Literal["cancel"]
    #: The ``event_id`` of the alarm being cancelled.
    event_id: Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9._:/-]+$")]
    cancelled_at: AwareDatetime
    reason: Text | None = None
    operator: Short | None = None
    extensions: dict[str, Any] = Field(default_factory=dict)


AlarmMessage = Annotated[AlarmEvent | AlarmCancel, Field(discriminator="message")]
_ADAPTER: Final[TypeAdapter[AlarmEvent | AlarmCancel]] = TypeAdapter(AlarmMessage)


class AlarmMessageError(ValidationFailed):
    """An alarm message that cannot be used; ``detail`` names the first bad field, ``errors`` all of them."""

    title = "Invalid alarm message"


def parse_alarm_message(payload: bytes | str | dict[str, Any]) -> AlarmEvent | AlarmCancel:
    """An ``AlarmEvent`` or ``AlarmCancel`` of a JSON message; AlarmMessageError naming the field otherwise."""
    if isinstance(payload, bytes | str):
        try:
            data: Any = orjson.loads(payload)
        except orjson.JSONDecodeError as exc:
            raise AlarmMessageError(f"message: not JSON: {exc}", errors=[field_error("message", "not JSON")]) from None
    else:
        data = payload
    try:
        return _ADAPTER.validate_python(data)
    except ValidationError as exc:
        errors = []
        for error in exc.errors():
            # The discriminator's branch name ("alarm", "cancel") is part of pydantic's location, not of the message.
            loc = [str(p) for p in error["loc"] if p not in ("alarm", "cancel")]
            errors.append(field_error(".".join(loc) or "message", error["msg"], where="alarm"))
        first = errors[0]
        raise AlarmMessageError(f"{first['field']}: {first['msg']}", errors=errors) from None


@dataclass(frozen=True, slots=True)
class AlarmCall:
    """The call an alarm event produces, and what the call store keeps beside it: the permit (for the alarm-permit
    registry's false-alarm count), the category and premise type, and the contacts (personal data: the store decides
    where they go and audits reads)."""

    document: CallDocument
    permit_number: str | None
    category: AlarmCategory
    premise_type: PremiseType
    contacts: tuple[AlarmContact, ...]
    call_back_instructions: str | None


def alarm_call_type(category: str, premise_type: str) -> tuple[str, str]:
    """(call type code, APCO common incident type) of an alarm category at a premise type (``ALARM_CALL_TYPES``)."""
    return ALARM_CALL_TYPES.get((category, premise_type), ALARM_CALL_TYPES[("other", premise_type)])


def alarm_call(event: AlarmEvent, *, received_at: datetime, company: str | None = None) -> AlarmCall:
    """The call fields an alarm event produces (see the module docstring); ``received_at`` is when we received it,
    ``company`` the monitoring company's name or key (kept in ``extra``)."""
    code, apco = alarm_call_type(event.category, event.premise_type)
    address = event.address
    street = f"{address.street} #{address.unit}" if address.unit else address.street
    zone = event.zone
    words = _CATEGORY_WORDS.get(event.category, event.category.capitalize())
    narrative_parts = [f"{words} alarm, {event.premise_type}"]
    if zone:
        narrative_parts.append(f"zone {zone.number}" + (f" ({zone.description})" if zone.description else ""))
    if event.details:
        narrative_parts.append(event.details)
    if event.response == "notify":
        narrative_parts.append("company asks for notification only")
    extra = {"alarm_event_id": event.event_id, "alarm_occurred_at": event.occurred_at.isoformat()}
    if event.permit_number:
        extra["alarm_permit_number"] = event.permit_number
    if zone:
        extra["alarm_zone"] = zone.number
    if company:
        extra["alarm_company"] = company
    document = CallDocument(
        external_id=event.event_id,
        origin="asap",
        source=SOURCE,
        call_type=CallType(code=code, text=f"{words} alarm ({event.premise_type})", apco=apco),
        times=CallTimes(received=received_at),
        location=Location(
            lat=address.lat,
            lon=address.lon,
            address=street,
            cross_street=address.cross_street,
            city=address.city,
            state=address.state,
            postal_code=address.postal_code,
            place_name=event.premise_name,
            description=address.description,
        ),
        caller=Caller(name=event.call_back.operator, phone=event.call_back.phone),
        narrative="; ".join(narrative_parts),
        extra=extra,
    )
    return AlarmCall(
        document=document,
        permit_number=event.permit_number,
        category=event.category,
        premise_type=event.premise_type,
        contacts=tuple(event.contacts),
        call_back_instructions=event.call_back.instructions,
    )
