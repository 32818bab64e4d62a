"""HTTP routes of the cameras domain.

Staff (``/api/v1/registry``): the registry (``registry:read`` to list/get/see health/open a live view,
``registry:write`` to register and change cameras), heartbeats from sensor keys (``cameras:heartbeat``). Canvass
(``/api/v1/canvass``, ``canvass:run``). Owners (``/api/v1/me/cameras``, ``community:self``): a resident or business
manages only their own cameras; anyone else's camera answers 404. Staff listings never include stream/snapshot URLs:
those come only from the live route, during an active incident (see ``rtcc.cameras.liveview``).
"""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query

from rtcc.cameras import canvass as canvass_uc
from rtcc.cameras import health, liveview, service
from rtcc.cameras.schemas import (
    AccessPage,
    CameraCreate,
    CameraFilters,
    CameraPage,
    CameraRead,
    CameraUpdate,
    CanvassCameraPoint,
    CanvassQuery,
    CanvassResult,
    HealthRead,
    HeartbeatIn,
    LiveView,
    OwnerCameraCreate,
    OwnerType,
    PlaceRead,
    SharingLevel,
)
from rtcc.core.pagination import Offset
from rtcc.deps import DbDep, RuntimeDep, SettingsDep
from rtcc.identity.deps import require
from rtcc.identity.logic import Perm, Principal
from rtcc.places import service as places

router = APIRouter(tags=["cameras"])

Reader = Annotated[Principal, require(Perm.registry_read)]
Writer = Annotated[Principal, require(Perm.registry_write)]
Owner = Annotated[Principal, require(Perm.community_self)]
Canvasser = Annotated[Principal, require(Perm.canvass_run)]
Sensor = Annotated[Principal, require(Perm.cameras_heartbeat)]
Limit = Annotated[int, Query(ge=1, le=500)]

_STAFF = "/api/v1/registry"
_OWN = "/api/v1/me/cameras"


# --- staff registry --------------------------------------------------------------------------------------------------


@router.get(f"{_STAFF}/cameras")
def list_cameras(
    db: DbDep,
    settings: SettingsDep,
    actor: Reader,
    owner_type: OwnerType | None = None,
    sharing_level: SharingLevel | None = None,
    owner_user_id: uuid.UUID | None = None,
    q: Annotated[str | None, Query(max_length=64, description="Code, name or address contains this.")] = None,
    limit: Limit = 100,
    offset: Offset = 0,
) -> CameraPage:
    """Registered cameras by code, filtered; stream/snapshot URLs withheld. Residents' and businesses' names,
    contacts, addresses and exact positions only with ``registry:contact`` (coarsened otherwise); audited."""
    filters = CameraFilters(owner_type=owner_type, sharing_level=sharing_level, owner_user_id=owner_user_id, q=q)
    with db.uow() as session:
        return service.list_cameras(
            session,
            filters,
            viewer=actor,
            coarse_decimals=settings.registry_coarse_decimals,
            limit=limit,
            offset=offset,
        )


@router.post(f"{_STAFF}/cameras", status_code=201)
def create_camera(body: CameraCreate, db: DbDep, actor: Writer) -> CameraRead:
    """Register a city or ALPR camera, or one on behalf of an owner."""
    with db.uow() as session:
        return service.create_camera(session, body, actor=actor)


@router.get(f"{_STAFF}/health")
def camera_health(db: DbDep, settings: SettingsDep, _p: Reader) -> list[HealthRead]:
    """Health of live-linked cameras: ok, stale, failing or unknown, with the last heartbeat and probe."""
    with db.read() as session:
        return health.health(session, stale_after_s=settings.registry_stale_after_s)


@router.get(f"{_STAFF}/cameras/{{camera_id}}")
def get_camera(camera_id: uuid.UUID, db: DbDep, settings: SettingsDep, actor: Reader) -> CameraRead:
    """One camera (URLs withheld; owners' personal data only with ``registry:contact``); the view is written to
    the owner's access log."""
    with db.uow() as session:
        return service.view_camera(session, camera_id, actor=actor, coarse_decimals=settings.registry_coarse_decimals)


@router.patch(f"{_STAFF}/cameras/{{camera_id}}")
def update_camera(camera_id: uuid.UUID, body: CameraUpdate, db: DbDep, actor: Writer) -> CameraRead:
    """Change a camera; an account-owned camera's sharing level can only be lowered (or withdrawn) by staff."""
    with db.uow() as session:
        return service.update_camera(session, camera_id, body, actor=actor)


@router.post(f"{_STAFF}/cameras/{{camera_id}}/withdraw")
def withdraw_camera(camera_id: uuid.UUID, db: DbDep, actor: Writer) -> CameraRead:
    """Withdraw a camera: it leaves canvass and live views with this request."""
    with db.uow() as session:
        return service.withdraw_camera(session, camera_id, actor=actor)


@router.get(f"{_STAFF}/cameras/{{camera_id}}/access-log")
def camera_access_log(
    camera_id: uuid.UUID, db: DbDep, _p: Reader, limit: Limit = 100, offset: Offset = 0
) -> AccessPage:
    """The camera's access log (requests and views), newest first."""
    with db.read() as session:
        items, total = service.access_log(session, camera_id, limit=limit, offset=offset)
        return AccessPage(items=items, total=total, limit=limit, offset=offset)


@router.get(f"{_STAFF}/cameras/{{camera_id}}/live")
def open_live(
    camera_id: uuid.UUID,
    db: DbDep,
    actor: Annotated[Principal, require(Perm.liveview_open)],
    alert_id: Annotated[uuid.UUID | None, Query(description="An open hit alert this view serves.")] = None,
    call_id: Annotated[uuid.UUID | None, Query(description="An open call for service this view serves.")] = None,
    purpose: Annotated[str | None, Query(max_length=64, description="Purpose code, with case_number.")] = None,
    case_number: Annotated[str | None, Query(max_length=64, description="Case reference, with purpose.")] = None,
) -> LiveView:
    """A live-linked camera's stream/snapshot URL, only during an active incident (an open alert or call one may see,
    or a case on record); law-enforcement roles only (``liveview:open``); logged for the owner, audited."""
    with db.uow() as session:
        return liveview.open_live(
            session,
            camera_id,
            actor=actor,
            alert_id=alert_id,
            call_id=call_id,
            purpose=purpose,
            case_number=case_number,
        )


@router.post(f"{_STAFF}/cameras/{{camera_id}}/heartbeat")
def camera_heartbeat(camera_id: uuid.UUID, db: DbDep, actor: Sensor, body: HeartbeatIn | None = None) -> CameraRead:
    """A heartbeat from a sensor key scoped to this camera's code (or its ALPR camera code)."""
    del body
    with db.uow() as session:
        return health.heartbeat(session, camera_id, actor=actor)


# --- canvass ---------------------------------------------------------------------------------------------------------


@router.post("/api/v1/canvass")
def run_canvass(
    body: CanvassQuery, db: DbDep, runtime: RuntimeDep, settings: SettingsDep, actor: Canvasser
) -> CanvassResult:
    """Cameras that could have seen the place in the window, with retention coverage and the request deadline."""
    index = canvass_uc.index_of(runtime.services)
    with db.uow() as session:
        result = canvass_uc.canvass(session, index, body)
        canvass_uc.record_canvass(session, actor, result)
        return canvass_uc.for_viewer(result, actor, coarse_decimals=settings.registry_coarse_decimals)


@router.get("/api/v1/canvass/cameras")
def canvass_cameras(db: DbDep, runtime: RuntimeDep, _p: Canvasser) -> list[CanvassCameraPoint]:
    """Where every shared camera is and what it covers (no names or owners), to draw on the canvass map."""
    index = canvass_uc.index_of(runtime.services)
    with db.read() as session:
        return canvass_uc.camera_points(session, index)


@router.get("/api/v1/canvass/places")
def canvass_places(_p: Canvasser) -> list[PlaceRead]:
    """The intersections a canvass ``place`` can name."""
    return [PlaceRead(name=p.name, lat=p.lat, lon=p.lon) for p in places.intersections()]


# --- owners ----------------------------------------------------------------------------------------------------------


@router.get(_OWN)
def my_cameras(db: DbDep, owner: Owner) -> list[CameraRead]:
    """Your cameras."""
    with db.read() as session:
        return service.own_cameras(session, owner=owner)


@router.post(_OWN, status_code=201)
def register_my_camera(body: OwnerCameraCreate, db: DbDep, owner: Owner) -> CameraRead:
    """Register a camera on your account, with the sharing level you choose."""
    with db.uow() as session:
        return service.create_own_camera(session, body, owner=owner)


@router.get(f"{_OWN}/{{camera_id}}")
def my_camera(camera_id: uuid.UUID, db: DbDep, owner: Owner) -> CameraRead:
    """One of your cameras."""
    with db.read() as session:
        return service.get_own_camera(session, camera_id, owner=owner)


@router.patch(f"{_OWN}/{{camera_id}}")
def update_my_camera(camera_id: uuid.UUID, body: CameraUpdate, db: DbDep, owner: Owner) -> CameraRead:
    """Change one of your cameras, including its sharing level (effective at once)."""
    with db.uow() as session:
        return service.update_own_camera(session, camera_id, body, owner=owner)


@router.post(f"{_OWN}/{{camera_id}}/withdraw")
def withdraw_my_camera(camera_id: uuid.UUID, db: DbDep, owner: Owner) -> CameraRead:
    """Withdraw one of your cameras: the RTCC stops finding or opening it at once."""
    with db.uow() as session:
        return service.withdraw_own_camera(session, camera_id, owner=owner)


@router.get(f"{_OWN}/{{camera_id}}/access-log")
def my_camera_access_log(
    camera_id: uuid.UUID, db: DbDep, owner: Owner, limit: Limit = 100, offset: Offset = 0
) -> AccessPage:
    """Every request for and view of your camera, newest first."""
    with db.read() as session:
        items, total = service.own_access_log(session, camera_id, owner=owner, limit=limit, offset=offset)
        return AccessPage(items=items, total=total, limit=limit, offset=offset)


@router.post(f"{_OWN}/{{camera_id}}/heartbeat")
def my_camera_heartbeat(camera_id: uuid.UUID, db: DbDep, owner: Owner, body: HeartbeatIn | None = None) -> CameraRead:
    """A heartbeat for one of your live-linked cameras (from you or your bridge signed in as you)."""
    del body
    with db.uow() as session:
        return health.own_heartbeat(session, camera_id, owner=owner)
