"""The neutral call record, ``CallDocument``: the one shape every interchange adapter maps into or out of.

NENA EIDO import and export (``eido``), historic CAD exports (``cad_history``) and alarm messages (``asap``) all meet
here, so the call store needs one mapping (``CallDocument`` to its tables and back), not one per format. It says what
a call was, never how this platform stores it: raw source codes stay raw (``call_type.code``, ``priority``,
``disposition.code``) next to the standard codes where a source or a mapping knows them (``call_type.apco``: an APCO
common incident type; ``disposition.common_code``: an APCO ANS 1.111 / EIDO common disposition code).

Times are timezone-aware UTC (a naive or non-UTC time is refused or converted on the way in); ``time_precision`` says
how much of them the source really had (``day`` for an export that kept only dates). Pure: pydantic only.
"""

from __future__ import annotations

from datetime import UTC
from typing import Annotated, Final, Literal

from pydantic import AfterValidator, AwareDatetime, BaseModel, ConfigDict, Field, model_validator

#: The steps of a call's status chain, in order; each has a time in ``CallTimes``.
CALL_STEPS: Final = (
    "received",
    "queued",
    "dispatched",
    "acknowledged",
    "en_route",
    "on_scene",
    "cleared",
    "closed",
)
#: The steps of one unit on one call, in order; each has a time in ``UnitTimes``.
UNIT_STEPS: Final = ("dispatched", "acknowledged", "en_route", "on_scene", "cleared")
#: How a call reached the agency, as the issue names the channels; ``other`` for anything a source says that is none.
SOURCES: Final = ("911", "phone", "alarm_company", "officer", "online", "rtcc", "radio", "text", "other")

Source = Literal["911", "phone", "alarm_company", "officer", "online", "rtcc", "radio", "text", "other"]
TimePrecision = Literal["second", "minute", "day"]


#: A timezone-aware time, stored in UTC.
UtcTime = Annotated[AwareDatetime, AfterValidator(lambda v: v.astimezone(UTC))]
Text = Annotated[str, Field(min_length=1)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class CallTimes(_Strict):
    """When the call reached each step of its status chain (UTC; None: not reached, or not known)."""

    received: UtcTime | None = None
    queued: UtcTime | None = None
    dispatched: UtcTime | None = None
    acknowledged: UtcTime | None = None
    en_route: UtcTime | None = None
    on_scene: UtcTime | None = None
    cleared: UtcTime | None = None
    closed: UtcTime | None = None
    #: The (last) time the call was reopened after being closed.
    reopened: UtcTime | None = None

    def latest_step(self) -> str | None:
        """The furthest step of ``CALL_STEPS`` with a time (``reopened`` counts when later than ``closed``)."""
        if self.reopened is not None and (self.closed is None or self.reopened > self.closed):
            return "reopened"
        for step in reversed(CALL_STEPS):
            if getattr(self, step) is not None:
                return step
        return None


class UnitTimes(_Strict):
    """When one unit reached each of its steps on this call (UTC)."""

    dispatched: UtcTime | None = None
    acknowledged: UtcTime | None = None
    en_route: UtcTime | None = None
    on_scene: UtcTime | None = None
    cleared: UtcTime | None = None

    def latest_step(self) -> str | None:
        """The furthest step of ``UNIT_STEPS`` with a time."""
        for step in reversed(UNIT_STEPS):
            if getattr(self, step) is not None:
                return step
        return None


class UnitRecord(_Strict):
    """A unit on the call: its id in the source, its type, and its own step times."""

    unit_id: Text
    #: The source's unit type (``patrol``, ``cso``, ``E``...), raw.
    unit_type: str | None = None
    #: An EIDO Emergency Resource Type-Common registry value (``PatrolUnit``, ``CivilServiceOfficer``) when known.
    resource_type: str | None = None
    #: The source's current status text for the unit on this call, raw.
    status: str | None = None
    primary: bool = False
    times: UnitTimes = Field(default_factory=UnitTimes)
    #: Personnel on the unit (names or badge numbers, as the source gives them).
    personnel: list[Text] = Field(default_factory=list)


class CallType(_Strict):
    """What the call is about: the source's own code and text, and the APCO common incident type when known."""

    code: str | None = None
    text: str | None = None
    #: An APCO ANS 2.103.2 common incident type code (the EIDO Incident Type-Common registry): ``ALRBA``, ``BURGLARY``.
    apco: str | None = Field(default=None, pattern=r"^[A-Z0-9]{2,10}$")

    @model_validator(mode="after")
    def _something(self) -> CallType:
        if not (self.code or self.text or self.apco):
            raise ValueError("a call type needs a code, a text or an APCO code")
        return self


class Location(_Strict):
    """Where the call is: a point and/or address text (a source may have either or both)."""

    lat: float | None = Field(default=None, ge=-90.0, le=90.0)
    lon: float | None = Field(default=None, ge=-180.0, le=180.0)
    #: Street address or intersection text as the source wrote it ("1963 BONAVISTA WAY", "TORO & BUCHON").
    address: str | None = None
    cross_street: str | None = None
    city: str | None = None
    #: State or province (``CA``).
    state: str | None = None
    postal_code: str | None = None
    country: str | None = None
    #: A named place at the address (a business, a mobile-home park, a school).
    place_name: str | None = None
    #: Beat, reporting district or grid the source put the call in.
    beat: str | None = None
    description: str | None = None

    @model_validator(mode="after")
    def _pair(self) -> Location:
        if (self.lat is None) != (self.lon is None):
            raise ValueError("lat and lon come together")
        return self

    def has_point(self) -> bool:
        """Whether the location has coordinates."""
        return self.lat is not None and self.lon is not None


class Caller(_Strict):
    """Who called, and the number to call them back on (personal data: every read of it is audited by the store)."""

    name: str | None = None
    phone: str | None = None


class Note(_Strict):
    """One note on the call: its text, when it was written and by whom (a user, a unit or a system)."""

    text: Text
    at: UtcTime | None = None
    author: str | None = None


class Disposition(_Strict):
    """How the call ended: the source's code and text, and the common disposition code when known."""

    code: str | None = None
    text: str | None = None
    #: An EIDO Common Disposition Code (APCO ANS 1.111.2: ``01`` report taken, ``02`` no report, ``17`` false alarm).
    common_code: str | None = Field(default=None, pattern=r"^\d{2,3}$")


class CallDocument(_Strict):
    """A call for service as any interchange format carries it; see the module docstring."""

    #: The call number in the source system (a CAD incident number, an EIDO's internal incident id, an alarm event id).
    external_id: Text
    #: The NENA Incident Tracking Identifier (an EIDO's ``$id``) when the call came from or went out as an EIDO.
    incident_id: str | None = None
    #: The format or system the record came from: ``eido``, ``asap``, ``cad:<layout>``.
    origin: str | None = None
    #: How the call reached the agency.
    source: Source | None = None
    #: The agency the call belongs to (its name or identifier in the source).
    agency: str | None = None
    call_type: CallType | None = None
    #: The priority as the source says it ("1", "Priority", "10: VERY HIGH PRIORITY").
    priority: str | None = None
    #: EIDO's common priority, 0 (lowest) to 10 (highest), when known.
    common_priority: int | None = Field(default=None, ge=0, le=10)
    times: CallTimes = Field(default_factory=CallTimes)
    time_precision: TimePrecision = "second"
    location: Location | None = None
    caller: Caller | None = None
    narrative: str | None = None
    notes: list[Note] = Field(default_factory=list)
    units: list[UnitRecord] = Field(default_factory=list)
    disposition: Disposition | None = None
    call_taker: str | None = None
    dispatcher: str | None = None
    #: The officer responsible for the call (the primary unit's officer, the report writer).
    officer: str | None = None
    #: Source fields that have no place above, kept as text (never interpreted).
    extra: dict[str, str] = Field(default_factory=dict)

    def status(self) -> str | None:
        """The call's furthest step (``CallTimes.latest_step``)."""
        return self.times.latest_step()


def normalise_source(raw: str | None) -> Source | None:
    """The ``SOURCES`` value of a source's own channel text ("E-911" -> 911, "OFFICER" -> officer); None for none."""
    if raw is None:
        return None
    key = "".join(ch for ch in raw.lower() if ch.isalnum())
    if not key:
        return None
    return _SOURCE_WORDS.get(key, "other")


_SOURCE_WORDS: Final[dict[str, Source | None]] = {
    "911": "911",
    "911center": "911",
    "cellphone": "phone",
    "flagdown": "officer",
    "notcaptured": None,
    "unknown": None,
    "e911": "911",
    "emergency": "911",
    "phone": "phone",
    "telephone": "phone",
    "admin": "phone",
    "walkin": "other",
    "alarm": "alarm_company",
    "alarmcompany": "alarm_company",
    "asap": "alarm_company",
    "officer": "officer",
    "officerinitiated": "officer",
    "selfinitiated": "officer",
    "field": "officer",
    "online": "online",
    "onlinereport": "online",
    "web": "online",
    "rtcc": "rtcc",
    "radio": "radio",
    "text": "text",
    "text911": "text",
    "sms": "text",
}
