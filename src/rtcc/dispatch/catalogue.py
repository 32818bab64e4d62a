"""The dispatch catalogue: a city's priority scheme, unit types, shift templates and call types, shipped as package
data (``catalogues/<name>.json``, provenance in ``catalogues/PROVENANCE.md``) or read from a file a deployment names.

``RTCC_DISPATCH_CATALOGUE`` names a packaged catalogue or a JSON file; unset, the catalogue named like the city
profile's slug is used. The file is validated once per process (unknown fields, unknown priorities or unit types
referenced by a call type are errors that name the file and field). Nothing here touches the database: the
recommendation, the simulator and the API read the same frozen objects.
"""

from __future__ import annotations

import json
import threading
from importlib.resources import files
from pathlib import Path
from typing import Annotated, Self

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError, model_validator

from rtcc.core.errors import ProfileInvalid, field_error

#: What a unit type may be asked to do. ``enforcement`` needs a sworn officer's authority.
CAPABILITIES = frozenset(
    {"enforcement", "reports", "fingerprinting", "focused_patrol", "observe_and_report", "parking", "supervision"}
)


class _File(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


#: Display names in other languages, by language code ({"es": "Robo en curso"}); ``name`` is the English one.
Names = Annotated[
    dict[
        Annotated[str, StringConstraints(pattern=r"^[a-z]{2}$")],
        Annotated[str, StringConstraints(min_length=1, max_length=128)],
    ],
    Field(default_factory=dict, description="The display name in other languages, by language code (en is `name`)."),
]


class PriorityLevel(_File):
    """One priority of a scheme: its code (what calls store), display name, rank (1 = most urgent) and target."""

    code: str = Field(min_length=1, max_length=16)
    name: str = Field(min_length=1, max_length=64)
    names: Names
    rank: int = Field(ge=1, le=99)
    target_s: int = Field(ge=1, description="Response-time target in seconds (received to first unit on scene).")
    emergent: bool = Field(default=False, description="Units respond with lights and siren (the emergent speed).")


class PriorityScheme(_File):
    """A named priority scheme (LASD Emergent / Priority / Routine, or numbered)."""

    name: str = Field(min_length=1, max_length=32)
    priorities: tuple[PriorityLevel, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique(self) -> Self:
        codes = [p.code for p in self.priorities]
        if len(set(codes)) != len(codes) or len({p.rank for p in self.priorities}) != len(codes):
            raise ValueError("priority codes and ranks must be unique")
        return self

    def level(self, code: str) -> PriorityLevel | None:
        """The priority with this code, or None."""
        return next((p for p in self.priorities if p.code == code), None)


class UnitType(_File):
    """What a kind of unit is and may do."""

    code: str = Field(pattern=r"^[a-z_]{1,32}$")
    name: str = Field(min_length=1, max_length=64)
    names: Names
    sworn: bool
    capabilities: frozenset[str]

    @model_validator(mode="after")
    def _known(self) -> Self:
        unknown = set(self.capabilities) - CAPABILITIES
        if unknown:
            raise ValueError(f"unknown capabilities {sorted(unknown)}; known: {sorted(CAPABILITIES)}")
        if "enforcement" in self.capabilities and not self.sworn:
            raise ValueError("only a sworn unit type may have the enforcement capability")
        return self


class ShiftTemplate(_File):
    """A regular shift: starts at a local time and lasts some hours."""

    code: str = Field(pattern=r"^[a-z_]{1,32}$")
    name: str = Field(min_length=1, max_length=64)
    names: Names
    start: str = Field(pattern=r"^([01]\d|2[0-3]):[0-5]\d$", description="Local start time, HH:MM.")
    hours: float = Field(gt=0, le=24)


class AlarmFacts(_File):
    """APCO alarm event facts of an alarm call type (category, location category)."""

    category: str = Field(min_length=1, max_length=16)
    location: str | None = Field(default=None, max_length=16)


class CallType(_File):
    """One call type: its APCO common incident code and how it is handled."""

    code: str = Field(pattern=r"^[A-Z][A-Z0-9_]{0,31}$")
    name: str = Field(min_length=1, max_length=128)
    names: Names
    apco_code: str = Field(min_length=1, max_length=16)
    default_priority: str
    eligible_unit_types: tuple[str, ...] = Field(min_length=1)
    units_needed: int = Field(default=1, ge=1, le=20)
    needs: frozenset[str] = Field(default_factory=frozenset, description="Capabilities every unit sent must have.")
    cso_may_take: bool = False
    online_report_ok: bool = False
    lookback_days: int = Field(default=30, ge=0, le=3650, description="Recent calls at the location shown at intake.")
    alarm: AlarmFacts | None = None


class Catalogue(_File):
    """A whole catalogue file."""

    name: str = Field(min_length=1, max_length=64)
    description: str = ""
    scheme: PriorityScheme
    unit_types: tuple[UnitType, ...] = Field(min_length=1)
    shifts: tuple[ShiftTemplate, ...] = ()
    call_types: tuple[CallType, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _references(self) -> Self:
        types = {u.code for u in self.unit_types}
        seen: set[str] = set()
        for i, ct in enumerate(self.call_types):
            if ct.code in seen:
                raise ValueError(f"call_types[{i}].code: {ct.code} appears twice")
            seen.add(ct.code)
            if self.scheme.level(ct.default_priority) is None:
                raise ValueError(f"call_types[{i}].default_priority: {ct.default_priority!r} is not in the scheme")
            unknown = [t for t in ct.eligible_unit_types if t not in types]
            if unknown:
                raise ValueError(f"call_types[{i}].eligible_unit_types: unknown unit types {unknown}")
            if set(ct.needs) - CAPABILITIES:
                raise ValueError(f"call_types[{i}].needs: unknown capabilities {sorted(set(ct.needs) - CAPABILITIES)}")
        return self

    def call_type(self, code: str) -> CallType | None:
        """The call type with this code, or None."""
        return next((c for c in self.call_types if c.code == code), None)

    def unit_type(self, code: str) -> UnitType | None:
        """The unit type with this code, or None."""
        return next((u for u in self.unit_types if u.code == code), None)

    def shift(self, code: str) -> ShiftTemplate | None:
        """The shift template with this code, or None."""
        return next((s for s in self.shifts if s.code == code), None)


_LOCK = threading.Lock()
_LOADED: dict[str, Catalogue] = {}


def packaged() -> list[str]:
    """Names of the catalogues shipped with the package."""
    root = files("rtcc.dispatch").joinpath("catalogues")
    return sorted(p.name.removesuffix(".json") for p in root.iterdir() if p.name.endswith(".json"))


def _path(ref: str) -> Path:
    if ref in packaged():
        return Path(str(files("rtcc.dispatch").joinpath("catalogues", f"{ref}.json")))
    return Path(ref).expanduser()


def load(ref: str) -> Catalogue:
    """The catalogue ``ref`` names (a packaged name or a JSON file), validated once per process; ProfileInvalid
    naming the file and field when it cannot be used."""
    with _LOCK:
        found = _LOADED.get(ref)
        if found is not None:
            return found
        path = _path(ref)
        name = path.name
        if not path.is_file():
            raise ProfileInvalid(
                f"dispatch catalogue {ref!r}: no such packaged catalogue ({', '.join(packaged())}) or file",
                errors=[field_error("dispatch_catalogue", "not found", where="settings")],
            )
        try:
            found = Catalogue.model_validate(json.loads(path.read_text(encoding="utf-8")))
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise ProfileInvalid(f"dispatch catalogue {name}: not valid JSON ({exc})") from None
        except ValidationError as exc:
            err = exc.errors()[0]
            loc = ".".join(str(p) for p in err["loc"])
            raise ProfileInvalid(
                f"dispatch catalogue {name}: {loc}: {err['msg']}", errors=[field_error(loc, err["msg"], where=name)]
            ) from None
        _LOADED[ref] = found
        return found


def reference(setting: str | None, profile_slug: str) -> str:
    """Which catalogue a deployment uses: the setting when given, else the one named like the city profile."""
    if setting:
        return setting
    if profile_slug in packaged():
        return profile_slug
    raise ProfileInvalid(
        f"no dispatch catalogue for city profile {profile_slug!r}: set RTCC_DISPATCH_CATALOGUE",
        errors=[field_error("dispatch_catalogue", "required for this city profile", where="settings")],
    )
