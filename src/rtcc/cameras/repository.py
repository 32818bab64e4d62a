"""Queries on the camera registry, its access log and the registry change counter (never commits)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import false, func, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from rtcc.cameras.models import CameraAccess, RegisteredCamera, RegistryVersion
from rtcc.core import divisions

_VERSION_ROW = 1


def get(session: Session, camera_id: uuid.UUID) -> RegisteredCamera | None:
    """One camera by id (of a division the request may see)."""
    stmt = select(RegisteredCamera).where(RegisteredCamera.id == camera_id)
    return session.scalars(divisions.scoped(stmt, RegisteredCamera.division)).first()


def get_for_update(session: Session, camera_id: uuid.UUID) -> RegisteredCamera | None:
    """One camera by id, row-locked on PostgreSQL (SQLite write units already hold the database lock)."""
    stmt = divisions.scoped(select(RegisteredCamera).where(RegisteredCamera.id == camera_id), RegisteredCamera.division)
    return session.scalars(stmt.with_for_update()).first()


def by_code(session: Session, code: str) -> RegisteredCamera | None:
    """One camera by its unique code."""
    return session.scalars(select(RegisteredCamera).where(RegisteredCamera.code == code)).first()


def by_ids(session: Session, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, RegisteredCamera]:
    """Cameras by id (chunked under the bound-parameter limit)."""
    found: dict[uuid.UUID, RegisteredCamera] = {}
    for i in range(0, len(ids), 900):
        chunk = list(ids[i : i + 900])
        stmt = divisions.scoped(
            select(RegisteredCamera).where(RegisteredCamera.id.in_(chunk)), RegisteredCamera.division
        )
        for cam in session.scalars(stmt):
            found[cam.id] = cam
    return found


def of_owner(session: Session, owner_user_id: uuid.UUID) -> list[RegisteredCamera]:
    """A community account's cameras, by code."""
    stmt = (
        select(RegisteredCamera).where(RegisteredCamera.owner_user_id == owner_user_id).order_by(RegisteredCamera.code)
    )
    return list(session.scalars(stmt))


def list_cameras(
    session: Session,
    *,
    owner_type: str | None,
    sharing_level: str | None,
    owner_user_id: uuid.UUID | None,
    q: str | None,
    limit: int,
    offset: int,
    search_address: bool = True,
) -> tuple[list[RegisteredCamera], int]:
    """A filtered page of cameras by code, and the total (``q`` looks in addresses only with ``search_address``)."""
    conds: list[Any] = []
    if (in_scope := divisions.condition(RegisteredCamera.division)) is not None:
        conds.append(in_scope)
    if owner_type is not None:
        conds.append(RegisteredCamera.owner_type == owner_type)
    if sharing_level is not None:
        conds.append(RegisteredCamera.sharing_level == sharing_level)
    if owner_user_id is not None:
        conds.append(RegisteredCamera.owner_user_id == owner_user_id)
    if q:
        like = f"%{q.lower()}%"
        conds.append(
            or_(
                func.lower(RegisteredCamera.code).like(like),
                func.lower(RegisteredCamera.name).like(like),
                func.lower(RegisteredCamera.address).like(like) if search_address else false(),
            )
        )
    total = session.scalar(select(func.count()).select_from(RegisteredCamera).where(*conds)) or 0
    rows = session.scalars(
        select(RegisteredCamera).where(*conds).order_by(RegisteredCamera.code).limit(limit).offset(offset)
    )
    return list(rows), int(total)


def shared_columns(session: Session) -> list[tuple[uuid.UUID, float, float, float, float, float]]:
    """(id, lat, lon, direction, fov, range) of every camera that is not withdrawn: what the canvass index holds."""
    stmt = select(
        RegisteredCamera.id,
        RegisteredCamera.lat,
        RegisteredCamera.lon,
        RegisteredCamera.direction_deg,
        RegisteredCamera.fov_deg,
        RegisteredCamera.range_m,
    ).where(RegisteredCamera.sharing_level != "withdrawn")
    return [tuple(r) for r in session.execute(stmt)]  # type: ignore[misc]


def live_linked(session: Session) -> list[RegisteredCamera]:
    """Cameras currently live-linked, by code."""
    stmt = (
        select(RegisteredCamera).where(RegisteredCamera.sharing_level == "live_linked").order_by(RegisteredCamera.code)
    )
    return list(session.scalars(stmt))


def find_by_address(session: Session, text: str) -> RegisteredCamera | None:
    """A camera whose address equals ``text`` (case-insensitive), for resolving canvass places."""
    stmt = select(RegisteredCamera).where(func.lower(RegisteredCamera.address) == text.lower()).limit(1)
    return session.scalars(stmt).first()


def add_access(session: Session, entry: CameraAccess) -> None:
    """Append one access-log entry."""
    session.add(entry)


def access_log(session: Session, camera_id: uuid.UUID, *, limit: int, offset: int) -> tuple[list[CameraAccess], int]:
    """A camera's access log, newest first, and the total."""
    total = session.scalar(select(func.count()).select_from(CameraAccess).where(CameraAccess.camera_id == camera_id))
    rows = session.scalars(
        select(CameraAccess)
        .where(CameraAccess.camera_id == camera_id)
        .order_by(CameraAccess.at.desc(), CameraAccess.id.desc())
        .limit(limit)
        .offset(offset)
    )
    return list(rows), int(total or 0)


def registry_version(session: Session) -> int:
    """The registry change counter (0 before the first change)."""
    value = session.scalar(select(RegistryVersion.version).where(RegistryVersion.id == _VERSION_ROW))
    return int(value or 0)


def bump_version(session: Session) -> None:
    """Increment the change counter in the caller's transaction (creating its row the first time)."""
    dialect = session.get_bind().dialect.name
    ins = pg_insert if dialect == "postgresql" else sqlite_insert
    session.execute(ins(RegistryVersion).values(id=_VERSION_ROW, version=0).on_conflict_do_nothing())
    session.execute(
        update(RegistryVersion)
        .where(RegistryVersion.id == _VERSION_ROW)
        .values(version=RegistryVersion.version + 1)
        .execution_options(synchronize_session=False)
    )
