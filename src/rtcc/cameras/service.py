"""Camera-registry use cases: registering and changing cameras (staff, and owners on their own accounts), the owner's
access log, and contract C4 (``get_camera``, ``cameras_of_owner``, ``log_access``, ``is_shared``) that footage
requests and rebates build on. Opening a live-linked camera during an incident is ``rtcc.cameras.liveview``;
heartbeats, snapshot probes and the health view are ``rtcc.cameras.health``; both load rows through ``camera_row`` /
``own_camera_row`` here.

Every change bumps the registry change counter in the same transaction, so an in-memory canvass index
(``rtcc.cameras.canvass``) sees a withdrawal as soon as it commits. Owners decide how their camera is shared: staff
may edit an account-owned camera's details and may withdraw it, but never raise its sharing level or set its URLs.
"""

from __future__ import annotations

import logging
import uuid
from datetime import datetime
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from rtcc.alpr import cameras as alpr_cameras
from rtcc.audit import service as audit
from rtcc.cameras import repository
from rtcc.cameras.models import CameraAccess, RegisteredCamera
from rtcc.cameras.schemas import (
    AccessRead,
    CameraCreate,
    CameraFilters,
    CameraPage,
    CameraRead,
    CameraUpdate,
    OwnerCameraCreate,
)
from rtcc.core.clock import utcnow
from rtcc.core.errors import Conflict, NotFound, PermissionDenied, invalid
from rtcc.identity.logic import Perm, Principal, Role
from rtcc.places import service as places

logger = logging.getLogger(__name__)

_CODE_PREFIX = {"city": "CITY", "alpr": "ALPR", "business": "BIZ", "residential": "RES"}
#: Sharing levels from least to most open; staff may move an account-owned camera only down this scale.
_OPENNESS = {"withdrawn": 0, "registered": 1, "on_request": 2, "live_linked": 3}


# --- reading (contract C4) -------------------------------------------------------------------------------------------


def to_read(cam: RegisteredCamera, *, withhold_urls: bool = False) -> CameraRead:
    """The C4 view of a row: URLs only while live-linked, and left out when ``withhold_urls``."""
    live = cam.sharing_level == "live_linked"
    show = live and not withhold_urls
    return CameraRead(
        id=cam.id,
        code=cam.code,
        name=cam.name,
        owner_type=cam.owner_type,
        owner_user_id=cam.owner_user_id,
        owner_name=cam.owner_name,
        contact=cam.contact,
        address=cam.address,
        lat=cam.lat,
        lon=cam.lon,
        direction_deg=cam.direction_deg,
        fov_deg=cam.fov_deg,
        range_m=cam.range_m,
        owner_retention_days=cam.owner_retention_days,
        sharing_level=cam.sharing_level,
        stream_url=cam.stream_url if show else None,
        snapshot_url=cam.snapshot_url if show else None,
        alpr_camera_code=cam.alpr_camera_code,
        notes=cam.notes,
        registered_at=cam.registered_at,
        updated_at=cam.updated_at,
        withdrawn_at=cam.withdrawn_at,
        last_seen_at=cam.last_seen_at,
        last_ok_at=cam.last_ok_at,
        last_error=cam.last_error,
        urls_withheld=live and withhold_urls and bool(cam.stream_url or cam.snapshot_url),
        location=places.locate(cam.lat, cam.lon),
    )


#: Owner types whose cameras carry personal data (a person's or business's name, contact, home or shop location).
PRIVATE_OWNERS: frozenset[str] = frozenset({"business", "residential"})


def for_viewer(read: CameraRead, viewer: Principal, *, coarse_decimals: int) -> CameraRead:
    """``read`` as ``viewer`` may see it: a resident's or business's camera without the owner's name, contact,
    address and notes, and with coarsened coordinates, unless the viewer holds ``registry:contact`` (programme
    coordinators, supervisors). City and ALPR cameras hold no personal data and are shown whole."""
    if read.owner_type not in PRIVATE_OWNERS or viewer.can(Perm.registry_contact):
        return read
    return read.model_copy(
        update={
            "owner_name": None,
            "owner_user_id": None,
            "contact": None,
            "address": None,
            "notes": None,
            "lat": round(read.lat, coarse_decimals),
            "lon": round(read.lon, coarse_decimals),
            "personal_withheld": True,
        }
    )


def camera_row(session: Session, camera_id: uuid.UUID, *, for_update: bool = False) -> RegisteredCamera:
    """The camera's row (locked with ``for_update``); NotFound if missing."""
    cam = repository.get_for_update(session, camera_id) if for_update else repository.get(session, camera_id)
    if cam is None:
        raise NotFound(f"camera {camera_id} not found")
    return cam


def get_camera(session: Session, camera_id: uuid.UUID) -> CameraRead:
    """One registered camera (C4); NotFound if missing."""
    return to_read(camera_row(session, camera_id))


def cameras_of_owner(session: Session, owner_user_id: uuid.UUID) -> list[CameraRead]:
    """The cameras a community account owns, by code (C4)."""
    return [to_read(c) for c in repository.of_owner(session, owner_user_id)]


def is_shared(camera: CameraRead) -> bool:
    """True while the owner has not withdrawn the camera (C4)."""
    return camera.sharing_level != "withdrawn"


def log_access(
    session: Session, camera_id: uuid.UUID, *, actor: Principal, action: str, details: dict[str, Any] | None = None
) -> None:
    """Append a request for, or view of, the camera to its owner-visible access log (C4)."""
    camera_row(session, camera_id)
    repository.add_access(
        session,
        CameraAccess(
            camera_id=camera_id,
            at=utcnow(),
            actor=actor.audit_name[:64],
            actor_role=actor.role[:32] if actor.role else None,
            action=action[:48],
            details=dict(details or {}),
        ),
    )
    session.flush()


def registry_size(session: Session) -> int:
    """How many cameras are registered (any sharing level)."""
    return repository.list_cameras(
        session, owner_type=None, sharing_level=None, owner_user_id=None, q=None, limit=1, offset=0
    )[1]


def registry_version(session: Session) -> int:
    """The registry change counter: it changes in the same commit as every registry change."""
    return repository.registry_version(session)


def shared_columns(session: Session) -> list[tuple[uuid.UUID, float, float, float, float, float]]:
    """(id, lat, lon, direction, fov, range) of every camera not withdrawn, for the canvass index."""
    return repository.shared_columns(session)


def cameras_by_ids(session: Session, ids: list[uuid.UUID]) -> dict[uuid.UUID, RegisteredCamera]:
    """Rows by id (canvass fetches the few hits it found)."""
    return repository.by_ids(session, ids)


def camera_by_code(session: Session, code: str) -> CameraRead:
    """One camera by its code; NotFound if missing."""
    cam = repository.by_code(session, code)
    if cam is None:
        raise NotFound(f"camera {code!r} not found")
    return to_read(cam)


def camera_at_address(session: Session, address: str) -> CameraRead | None:
    """A registered camera whose address is exactly ``address`` (case-insensitive)."""
    cam = repository.find_by_address(session, address.strip())
    return None if cam is None else to_read(cam, withhold_urls=True)


# --- staff registry --------------------------------------------------------------------------------------------------


def list_cameras(
    session: Session, filters: CameraFilters, *, viewer: Principal, coarse_decimals: int, limit: int, offset: int
) -> CameraPage:
    """A page of the registry by code, for staff (URLs withheld: open them through the live route), with owners'
    personal data only for ``registry:contact`` (``for_viewer``). The listing is audited (``registry.cameras.list``):
    how many cameras, and which private cameras' personal data it showed."""
    if filters.owner_user_id is not None and not viewer.can(Perm.registry_contact):
        raise PermissionDenied("owner_user_id: filtering by owner needs registry:contact")
    rows, total = repository.list_cameras(
        session,
        owner_type=filters.owner_type,
        sharing_level=filters.sharing_level,
        owner_user_id=filters.owner_user_id,
        q=filters.q,
        limit=limit,
        offset=offset,
        search_address=viewer.can(Perm.registry_contact),
    )
    items = [for_viewer(to_read(c, withhold_urls=True), viewer, coarse_decimals=coarse_decimals) for c in rows]
    personal = [str(c.id) for c in items if c.owner_type in PRIVATE_OWNERS and not c.personal_withheld]
    audit.record_for(
        session,
        viewer,
        "registry.cameras.list",
        target_type="registry_camera",
        details={
            "filters": filters.model_dump(mode="json", exclude_none=True),
            "returned": len(items),
            "total": total,
            "offset": offset,
            "personal_data_of": personal,
        },
    )
    return CameraPage(items=items, total=total, limit=limit, offset=offset)


def list_cameras_all(session: Session) -> list[CameraRead]:
    """Every registered camera by code (small registries: the demo seed, exports)."""
    rows, _ = repository.list_cameras(
        session, owner_type=None, sharing_level=None, owner_user_id=None, q=None, limit=1_000_000, offset=0
    )
    return [to_read(c, withhold_urls=True) for c in rows]


def view_camera(session: Session, camera_id: uuid.UUID, *, actor: Principal, coarse_decimals: int) -> CameraRead:
    """One camera for staff (URLs withheld; owners' personal data only for ``registry:contact``); the view goes
    into the owner's access log."""
    cam = camera_row(session, camera_id)
    shown = for_viewer(to_read(cam, withhold_urls=True), actor, coarse_decimals=coarse_decimals)
    log_access(session, cam.id, actor=actor, action="record.view", details={"personal": not shown.personal_withheld})
    return shown


def _check_urls(level: str, stream_url: str | None, snapshot_url: str | None) -> None:
    if level == "live_linked" and not (stream_url or snapshot_url):
        raise invalid("stream_url", "a live-linked camera needs a stream_url or a snapshot_url")


def _check_alpr_code(session: Session, owner_type: str, code: str | None) -> None:
    if code is None:
        return
    if owner_type != "alpr":
        raise invalid("alpr_camera_code", "only for owner_type alpr")
    if code not in {c.code for c in alpr_cameras.list_cameras(session)}:
        raise invalid("alpr_camera_code", f"no ALPR camera with code {code!r}")


def _new_code(session: Session, owner_type: str, code: str | None) -> str:
    if code is not None:
        code = code.strip()
        if not code:
            raise invalid("code", "must not be blank")
        if repository.by_code(session, code) is not None:
            raise Conflict(f"a camera with code {code!r} is already registered")
        return code
    return f"{_CODE_PREFIX[owner_type]}-{uuid.uuid4().hex[:10].upper()}"


def _insert(session: Session, cam: RegisteredCamera) -> None:
    try:
        with session.begin_nested():
            session.add(cam)
            session.flush()
    except IntegrityError as exc:
        if "owner_user_id" in str(exc.orig) or "users" in str(exc.orig) or "FOREIGN KEY" in str(exc.orig):
            raise invalid("owner_user_id", "no such user") from exc
        raise Conflict(f"a camera with code {cam.code!r} is already registered") from exc
    repository.bump_version(session)


def _row(
    data: CameraCreate | OwnerCameraCreate, *, code: str, owner_type: str, owner_name: str, now: datetime
) -> RegisteredCamera:
    return RegisteredCamera(
        id=uuid.uuid4(),
        code=code,
        name=data.name,
        owner_type=owner_type,
        owner_name=owner_name,
        contact=data.contact,
        address=data.address,
        lat=data.lat,
        lon=data.lon,
        direction_deg=data.direction_deg,
        fov_deg=data.fov_deg,
        range_m=data.range_m,
        owner_retention_days=data.owner_retention_days,
        sharing_level=data.sharing_level,
        stream_url=data.stream_url,
        snapshot_url=data.snapshot_url,
        notes=data.notes,
        registered_at=now,
        updated_at=now,
        withdrawn_at=now if data.sharing_level == "withdrawn" else None,
        division=places.division_of(data.lat, data.lon),
    )


def create_camera(session: Session, data: CameraCreate, *, actor: Principal) -> CameraRead:
    """Register a city or ALPR camera, or one on behalf of an owner (staff)."""
    if data.owner_user_id is not None and data.owner_type not in {"business", "residential"}:
        raise invalid("owner_user_id", "only business and residential cameras have an owner account")
    _check_urls(data.sharing_level, data.stream_url, data.snapshot_url)
    _check_alpr_code(session, data.owner_type, data.alpr_camera_code)
    now = utcnow()
    cam = _row(data, code=_new_code(session, data.owner_type, data.code), owner_type=data.owner_type,
               owner_name=data.owner_name, now=now)  # fmt: skip
    cam.owner_user_id = data.owner_user_id
    cam.alpr_camera_code = data.alpr_camera_code
    _insert(session, cam)
    audit.record_for(
        session,
        actor,
        "registry.camera.create",
        target_type="registry_camera",
        target_id=str(cam.id),
        details={"code": cam.code, "owner_type": cam.owner_type, "sharing_level": cam.sharing_level},
    )
    logger.info("camera %s registered (%s, %s)", cam.code, cam.owner_type, cam.sharing_level)
    return to_read(cam)


def _owner_id(owner: Principal) -> uuid.UUID:
    if owner.kind != "user" or not owner.is_community:
        raise PermissionDenied("only a resident or business account owns cameras here")
    return uuid.UUID(owner.id)


def create_own_camera(session: Session, data: OwnerCameraCreate, *, owner: Principal) -> CameraRead:
    """Register a camera on the caller's own community account."""
    owner_id = _owner_id(owner)
    owner_type = data.owner_type or ("business" if owner.role == Role.business.value else "residential")
    _check_urls(data.sharing_level, data.stream_url, data.snapshot_url)
    now = utcnow()
    cam = _row(data, code=_new_code(session, owner_type, data.code), owner_type=owner_type,
               owner_name=data.owner_name or owner.name, now=now)  # fmt: skip
    cam.owner_user_id = owner_id
    _insert(session, cam)
    audit.record_for(
        session,
        owner,
        "registry.camera.create",
        target_type="registry_camera",
        target_id=str(cam.id),
        details={"code": cam.code, "owner_type": cam.owner_type, "sharing_level": cam.sharing_level},
    )
    return to_read(cam)


def _apply(
    session: Session, cam: RegisteredCamera, data: CameraUpdate, *, actor: Principal, by_owner: bool
) -> dict[str, Any]:
    changes = data.model_dump(exclude_unset=True)
    for key in ("name", "owner_name", "lat", "lon", "direction_deg", "fov_deg", "range_m", "owner_retention_days",
                "sharing_level"):  # fmt: skip
        if key in changes and changes[key] is None:
            raise invalid(key, "must not be null")
    if not by_owner and cam.owner_user_id is not None:
        level = changes.get("sharing_level")
        if level is not None and _OPENNESS[level] > _OPENNESS[cam.sharing_level]:
            raise PermissionDenied("only the owner may open their camera further; staff may only lower or withdraw")
        if "stream_url" in changes or "snapshot_url" in changes:
            raise PermissionDenied("only the owner may set the URLs of their camera")
    for key in ("stream_url", "snapshot_url"):
        if key in changes and changes[key] == "":
            changes[key] = None
    level = changes.get("sharing_level", cam.sharing_level)
    _check_urls(level, changes.get("stream_url", cam.stream_url), changes.get("snapshot_url", cam.snapshot_url))
    before = {k: getattr(cam, k) for k in changes}
    for key, value in changes.items():
        setattr(cam, key, value)
    if "lat" in changes or "lon" in changes:
        cam.division = places.division_of(cam.lat, cam.lon)
    now = utcnow()
    if "sharing_level" in changes and changes["sharing_level"] != before["sharing_level"]:
        cam.withdrawn_at = now if level == "withdrawn" else None
    cam.updated_at = now
    session.flush()
    repository.bump_version(session)
    changed = sorted(k for k in changes if before[k] != changes[k])
    audit.record_for(
        session,
        actor,
        "registry.camera.withdraw" if "sharing_level" in changed and level == "withdrawn"
        else "registry.camera.update",
        target_type="registry_camera",
        target_id=str(cam.id),
        details={"code": cam.code, "changed": changed, "sharing_level": cam.sharing_level, "by_owner": by_owner},
    )  # fmt: skip
    if not by_owner and cam.owner_user_id is not None:
        log_access(session, cam.id, actor=actor, action="record.update", details={"changed": changed})
    return changes


def update_camera(session: Session, camera_id: uuid.UUID, data: CameraUpdate, *, actor: Principal) -> CameraRead:
    """Change a camera as staff (an account-owned camera's sharing can only be lowered; the owner sees the edit)."""
    cam = camera_row(session, camera_id, for_update=True)
    _apply(session, cam, data, actor=actor, by_owner=False)
    return to_read(cam, withhold_urls=True)


def withdraw_camera(session: Session, camera_id: uuid.UUID, *, actor: Principal) -> CameraRead:
    """Withdraw a camera (staff): it leaves canvass and live views with this commit."""
    return update_camera(session, camera_id, CameraUpdate(sharing_level="withdrawn"), actor=actor)


# --- owners (community accounts) -------------------------------------------------------------------------------------


def own_camera_row(
    session: Session, camera_id: uuid.UUID, owner: Principal, *, for_update: bool = False
) -> RegisteredCamera:
    """The row of one of the caller's own cameras; NotFound for anyone else's."""
    owner_id = _owner_id(owner)
    cam = repository.get_for_update(session, camera_id) if for_update else repository.get(session, camera_id)
    if cam is None or cam.owner_user_id != owner_id:  # someone else's camera is as good as missing
        raise NotFound(f"camera {camera_id} not found")
    return cam


def get_own_camera(session: Session, camera_id: uuid.UUID, *, owner: Principal) -> CameraRead:
    """One of the caller's own cameras (NotFound for anyone else's)."""
    return to_read(own_camera_row(session, camera_id, owner))


def own_cameras(session: Session, *, owner: Principal) -> list[CameraRead]:
    """The caller's own cameras."""
    return cameras_of_owner(session, _owner_id(owner))


def update_own_camera(session: Session, camera_id: uuid.UUID, data: CameraUpdate, *, owner: Principal) -> CameraRead:
    """Change one of the caller's cameras, including its sharing level (effective with this commit)."""
    cam = own_camera_row(session, camera_id, owner, for_update=True)
    _apply(session, cam, data, actor=owner, by_owner=True)
    return to_read(cam)


def withdraw_own_camera(session: Session, camera_id: uuid.UUID, *, owner: Principal) -> CameraRead:
    """Withdraw one of the caller's cameras at once."""
    return update_own_camera(session, camera_id, CameraUpdate(sharing_level="withdrawn"), owner=owner)


def access_log(session: Session, camera_id: uuid.UUID, *, limit: int, offset: int) -> tuple[list[AccessRead], int]:
    """A camera's access log, newest first, and the total (staff)."""
    camera_row(session, camera_id)
    rows, total = repository.access_log(session, camera_id, limit=limit, offset=offset)
    return [AccessRead.model_validate(r) for r in rows], total


def own_access_log(
    session: Session, camera_id: uuid.UUID, *, owner: Principal, limit: int, offset: int
) -> tuple[list[AccessRead], int]:
    """The access log of one of the caller's cameras, newest first."""
    cam = own_camera_row(session, camera_id, owner)
    rows, total = repository.access_log(session, cam.id, limit=limit, offset=offset)
    return [AccessRead.model_validate(r) for r in rows], total
