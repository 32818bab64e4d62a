"""Importing launch policies: a policy file (``rtcc.drones.policyfile``) becomes the next policy version with its zones
and, when the file carries them, the next version of the program's limits. Every call type the file names must exist
in the dispatch catalogue in use, so a typo cannot silently make a type eligible or fail to exclude it.

A city's default policy is data: ``policies/<city profile slug>.geojson`` in this package (the packaged ones say
where their zones come from in ``policies/SOURCES.md``). Imports are audited as ``drones.policy.import``.
"""

from __future__ import annotations

from datetime import datetime
from importlib.resources import files
from pathlib import Path

from sqlalchemy.orm import Session

from rtcc.audit import service as audit
from rtcc.core.clock import ensure_utc, utcnow
from rtcc.core.errors import ValidationFailed, field_error
from rtcc.dispatch import calltypes
from rtcc.drones import policyfile, repository
from rtcc.drones.models import Geofence, LaunchPolicy, ProgramLimits
from rtcc.drones.schemas import LimitsRead, PolicyImported
from rtcc.drones.service import policy_read
from rtcc.identity.logic import Principal
from rtcc.places import service as places


def default_path(slug: str | None = None) -> Path:
    """The packaged default policy of a city profile (default: the active one); FileNotFoundError when none."""
    slug = slug or places.current().meta.slug
    path = Path(str(files("rtcc.drones") / "policies" / f"{slug}.geojson"))
    if not path.is_file():
        raise FileNotFoundError(f"no packaged drone policy for the city profile {slug!r} ({path.name})")
    return path


def check_call_types(doc: policyfile.PolicyDocument) -> list[str]:
    """Call types the document names that the dispatch catalogue in use does not know, as ``"<where>: <what>"``."""
    cat = calltypes.catalogue()
    errors = [
        f"policy.eligible_call_types.{i}: unknown call type {code!r} (catalogue {cat.name!r})"
        for i, code in enumerate(doc.policy.eligible_call_types)
        if cat.call_type(code) is None
    ]
    errors += [
        f"policy.excluded_call_types.{i}.call_type: unknown call type {ex.call_type!r} (catalogue {cat.name!r})"
        for i, ex in enumerate(doc.policy.excluded_call_types)
        if cat.call_type(ex.call_type) is None
    ]
    return errors


def import_document(
    session: Session, doc: policyfile.PolicyDocument, *, source: str, actor: Principal, at: datetime | None = None
) -> PolicyImported:
    """Store ``doc`` as the next policy version (and limits version); ValidationFailed lists unknown call types."""
    errors = check_call_types(doc)
    if errors:
        raise ValidationFailed(
            "the policy names call types the dispatch catalogue does not know",
            errors=[field_error(e.split(": ", 1)[0], e.split(": ", 1)[1]) for e in errors],
        )
    now = utcnow()
    p = doc.policy
    effective = ensure_utc(p.effective_from) if p.effective_from else (at or now)
    policy = LaunchPolicy(
        version=repository.last_policy_version(session) + 1,
        name=p.name,
        eligible_call_types=list(p.eligible_call_types),
        excluded_call_types=[e.model_dump() for e in p.excluded_call_types],
        max_wind_mps=p.max_wind_mps,
        max_gust_mps=p.max_gust_mps,
        daylight_only=p.daylight_only,
        min_battery_pct=p.min_battery_pct,
        reserve_pct=p.reserve_pct,
        max_range_m=p.max_range_m,
        weather_max_age_s=p.weather_max_age_s,
        footage_retention_days=p.footage_retention_days,
        source=source[:255],
        notes=p.notes,
        effective_from=effective,
        created_at=now,
        created_by=actor.audit_name[:128],
    )
    session.add(policy)
    session.flush()
    for z in doc.zones:
        session.add(
            Geofence(
                policy_id=policy.id,
                policy_version=policy.version,
                kind=z.kind,
                name=z.name,
                geometry=z.geometry,
                min_lon=z.bbox[0],
                min_lat=z.bbox[1],
                max_lon=z.bbox[2],
                max_lat=z.bbox[3],
            )
        )
    limits: ProgramLimits | None = None
    if doc.limits is not None:
        lim = doc.limits
        limits = ProgramLimits(
            version=repository.last_limits_version(session) + 1,
            authorization_ref=lim.authorization_ref,
            max_altitude_m=lim.max_altitude_m,
            bvlos_allowed=lim.bvlos_allowed,
            night_ops_allowed=lim.night_ops_allowed,
            visual_line_of_sight_m=lim.visual_line_of_sight_m,
            effective_from=effective,
            created_at=now,
            created_by=actor.audit_name[:128],
        )
        session.add(limits)
    session.flush()
    no_fly = sum(1 for z in doc.zones if z.kind == "no_fly")
    audit.record_for(
        session,
        actor,
        "drones.policy.import",
        target_type="drone_policy",
        target_id=str(policy.version),
        details={
            "source": source,
            "zones": len(doc.zones),
            "limits_version": limits.version if limits else None,
            "excluded": [e.call_type for e in p.excluded_call_types],
        },
    )
    return PolicyImported(
        policy=policy_read(session, policy, len(doc.zones)),
        limits=LimitsRead.model_validate(limits) if limits else None,
        zones=len(doc.zones),
        no_fly=no_fly,
        camera_restricted=len(doc.zones) - no_fly,
    )


def import_file(session: Session, path: Path, *, actor: Principal, at: datetime | None = None) -> PolicyImported:
    """Validate and import a policy file (``PolicyFileError`` for a bad file, ValidationFailed for unknown types)."""
    return import_document(session, policyfile.load(path), source=path.name, actor=actor, at=at)
