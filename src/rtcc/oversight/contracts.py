"""The City-Sheriff contract as data: effective-dated versions of what the city buys (deputy-minutes per shift,
response-time targets per priority, CSO and guard hours, the overtime budget).

A version is imported from a YAML or JSON file (``rtcc oversight contract import FILE``) or posted to the API; the
document is validated against ``ContractTerms`` (an unknown field, a missing one or a bad value is an error naming
the file and field), shifts are checked against the dispatch catalogue's shift templates and priorities against its
scheme. The version in force on a day is the latest one effective on or before it. Every import is audited.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from rtcc.audit import service as audit
from rtcc.core.clock import utcnow
from rtcc.core.errors import Conflict, ValidationFailed, field_error, invalid
from rtcc.dispatch import calltypes
from rtcc.identity.logic import Principal
from rtcc.oversight.models import ContractVersion
from rtcc.oversight.schemas import ContractRead, ContractTerms


def parse_file(path: Path) -> ContractTerms:
    """Read and validate a contract file (``.yaml``/``.yml`` or ``.json``); errors name the file and field."""
    try:
        text = path.read_text(encoding="utf-8")
        data: Any = json.loads(text) if path.suffix.lower() == ".json" else yaml.safe_load(text)
    except (OSError, ValueError, yaml.YAMLError) as exc:
        raise ValidationFailed(f"{path.name}: {exc}", errors=[field_error("", str(exc), where=path.name)]) from exc
    if not isinstance(data, dict):
        raise invalid("", "a contract file holds one mapping", where=path.name)
    try:
        return ContractTerms.model_validate(data)
    except ValidationError as exc:
        errors = [field_error(".".join(str(p) for p in e["loc"]), e["msg"], where=path.name) for e in exc.errors()]
        first = errors[0]
        raise ValidationFailed(f"{path.name}: {first['field']}: {first['msg']}", errors=errors) from exc


def check(terms: ContractTerms) -> None:
    """Shifts and priorities must exist in the dispatch catalogue in use."""
    cat = calltypes.catalogue()
    shifts = {s.code for s in cat.shifts}
    for i, s in enumerate(terms.service_units):
        if shifts and s.shift not in shifts:
            raise invalid(f"service_units.{i}.shift", f"{s.shift!r} is not a shift of the catalogue ({sorted(shifts)})")
    for i, t in enumerate(terms.targets):
        if cat.scheme.level(t.priority) is None:
            raise invalid(f"targets.{i}.priority", f"{t.priority!r} is not a priority of the {cat.scheme.name} scheme")
    for i, u in enumerate(terms.sworn_unit_types):
        if cat.unit_type(u) is None:
            raise invalid(f"sworn_unit_types.{i}", f"{u!r} is not a unit type of the catalogue")


def read(row: ContractVersion) -> ContractRead:
    """The API shape of a stored version."""
    return ContractRead(
        id=row.id,
        name=row.name,
        effective_from=row.effective_from,
        demo=row.demo,
        terms=ContractTerms.model_validate(row.terms),
        source=row.source,
        created_by=row.created_by,
        created_at=row.created_at,
    )


def add(session: Session, terms: ContractTerms, *, actor: Principal, source: str | None = None) -> ContractRead:
    """Store a contract version (one per effective date), audited."""
    check(terms)
    if session.scalar(select(ContractVersion.id).where(ContractVersion.effective_from == terms.effective_from)):
        raise Conflict(f"effective_from: a contract version from {terms.effective_from} exists")
    row = ContractVersion(
        name=terms.name,
        effective_from=terms.effective_from,
        demo=terms.demo,
        terms=terms.model_dump(mode="json"),
        source=source,
        created_by=actor.audit_name,
        created_at=utcnow(),
    )
    session.add(row)
    session.flush()
    audit.record(
        session,
        actor=actor.audit_name,
        actor_role=actor.role,
        action="oversight.contract.add",
        target_type="oversight_contract",
        target_id=str(row.id),
        details={"effective_from": terms.effective_from.isoformat(), "source": source, "demo": terms.demo},
    )
    return read(row)


def versions(session: Session) -> list[ContractRead]:
    """Every version, newest first."""
    rows = session.scalars(select(ContractVersion).order_by(ContractVersion.effective_from.desc()))
    return [read(r) for r in rows]


def in_force(session: Session, on: date) -> ContractRead | None:
    """The version in force on ``on``, or None."""
    row = session.scalar(
        select(ContractVersion)
        .where(ContractVersion.effective_from <= on)
        .order_by(ContractVersion.effective_from.desc())
        .limit(1)
    )
    return read(row) if row is not None else None
