"""HTTP routes of the investigations domain under ``/api/v1/search``: plate search, vehicle history, stakeout,
common plates, co-travel, CSV export, opening one read or its images, and the purpose codes.

Every route needs ``search:run`` (the export ``reads:export``). Every request names a ``purpose`` and, where the code
demands one, a ``case_number``; a refused one answers 422 (missing, unknown, malformed; naming the field) or 403
(a forbidden purpose) and is audited as ``alpr.search.refused``. Searches run in a write unit of work because each
one appends an audit entry (``rtcc.investigations.runner``).
"""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Response

from rtcc.deps import DbDep, SettingsDep
from rtcc.identity.deps import require
from rtcc.identity.logic import Perm, Principal
from rtcc.investigations import plate_index, runner, scenes, service
from rtcc.investigations.schemas import (
    CommonQuery,
    CommonResult,
    CoTravelQuery,
    CoTravelResult,
    HistoryQuery,
    HistoryResult,
    ImageRefs,
    IndexStats,
    PlateSearch,
    PlateSearchResult,
    PurposeFields,
    PurposeOut,
    ReadHit,
    StakeoutQuery,
    StakeoutResult,
)

router = APIRouter(prefix="/api/v1/search", tags=["investigations"])

Searcher = Annotated[Principal, require(Perm.search_run)]
Exporter = Annotated[Principal, require(Perm.reads_export)]
PurposeQ = Annotated[str | None, Query(max_length=64, description="Purpose code (see /api/v1/search/purposes).")]
CaseQ = Annotated[str | None, Query(max_length=64, description="Case or incident number.")]


@router.get("/purposes")
def get_purposes(db: DbDep, _p: Searcher) -> list[PurposeOut]:
    """The purpose codes a search can carry (forbidden ones are listed with allowed=false)."""
    with db.read() as session:
        return service.purposes(session)


@router.get("/index")
def get_index(db: DbDep, _p: Searcher) -> IndexStats:
    """Size and freshness of the plate index behind wildcard and partial search (no plates)."""
    with db.read() as session:
        return plate_index.index_stats(session)


@router.post("/plates")
def post_plates(body: PlateSearch, db: DbDep, settings: SettingsDep, actor: Searcher) -> PlateSearchResult:
    """Plate search (exact, wildcard, partial, similar) with filters; a page of reads in time order."""
    return runner.run(
        db,
        kind="plate",
        body=body,
        actor=actor,
        work=lambda s: service.search_plates(s, body, actor=actor, settings=settings),
    )


@router.post("/export")
def post_export(body: PlateSearch, db: DbDep, settings: SettingsDep, actor: Exporter) -> Response:
    """Every read a plate search finds, as CSV (audited as alpr.export)."""
    csv_text = runner.run(
        db,
        kind="plate",
        body=body,
        actor=actor,
        work=lambda s: service.export_reads(s, body, actor=actor, settings=settings),
    )
    return Response(
        content=csv_text,
        media_type="text/csv",
        headers={"Content-Disposition": 'attachment; filename="alpr-search.csv"'},
    )


def _history(body: HistoryQuery, db: DbDep, settings: SettingsDep, actor: Principal) -> HistoryResult:
    return runner.run(
        db,
        kind="history",
        body=body,
        actor=actor,
        work=lambda s: service.vehicle_history(s, body, actor=actor, settings=settings),
    )


@router.get("/history")
def get_history(
    body: Annotated[HistoryQuery, Query()], db: DbDep, settings: SettingsDep, actor: Searcher
) -> HistoryResult:
    """Vehicle history of one plate (query parameters): timeline, track and stops."""
    return _history(body, db, settings, actor)


@router.post("/history")
def post_history(body: HistoryQuery, db: DbDep, settings: SettingsDep, actor: Searcher) -> HistoryResult:
    """Vehicle history of one plate: timeline, track and stops."""
    return _history(body, db, settings, actor)


@router.post("/stakeout")
def post_stakeout(body: StakeoutQuery, db: DbDep, settings: SettingsDep, actor: Searcher) -> StakeoutResult:
    """All plates seen in an area (or at cameras) within a time window."""
    return runner.run(
        db,
        kind="stakeout",
        body=body,
        actor=actor,
        work=lambda s: scenes.stakeout(s, body, actor=actor, settings=settings),
    )


@router.post("/common")
def post_common(body: CommonQuery, db: DbDep, settings: SettingsDep, actor: Searcher) -> CommonResult:
    """Plates seen near several places/times, ranked by how many they match."""
    return runner.run(
        db,
        kind="common",
        body=body,
        actor=actor,
        work=lambda s: scenes.common_plates(s, body, actor=actor, settings=settings),
    )


@router.post("/cotravel")
def post_cotravel(body: CoTravelQuery, db: DbDep, settings: SettingsDep, actor: Searcher) -> CoTravelResult:
    """Plates repeatedly seen close in time to a target plate at several distinct cameras."""
    return runner.run(
        db,
        kind="cotravel",
        body=body,
        actor=actor,
        work=lambda s: scenes.cotravel(s, body, actor=actor, settings=settings),
    )


@router.get("/reads/{read_id}")
def get_read(
    read_id: uuid.UUID, db: DbDep, actor: Searcher, purpose: PurposeQ = None, case_number: CaseQ = None
) -> ReadHit:
    """Open one read under a purpose (audited as alpr.read.open)."""
    body = PurposeFields(purpose=purpose, case_number=case_number)
    return runner.run(
        db, kind="read", body=body, actor=actor, work=lambda s: service.open_read(s, read_id, body, actor=actor)
    )


@router.get("/reads/{read_id}/image")
def get_read_image(
    read_id: uuid.UUID, db: DbDep, actor: Searcher, purpose: PurposeQ = None, case_number: CaseQ = None
) -> ImageRefs:
    """Open the image references of one read under a purpose (audited as alpr.image.open)."""
    body = PurposeFields(purpose=purpose, case_number=case_number)
    return runner.run(
        db, kind="image", body=body, actor=actor, work=lambda s: service.open_image(s, read_id, body, actor=actor)
    )
