"""Operational routes: liveness (/healthz), readiness (/readyz: database and bus reachable), /metrics.

The probes are public (they say up or not, nothing more); /metrics requires ``ops:metrics`` (admins, the ``ops``
role, and a monitoring API key: ``rtcc apikeys create scraper --monitoring``, sent by Prometheus as
``Authorization: Bearer <key>``), since its counters tell an outsider how the system is used."""

from __future__ import annotations

from fastapi import APIRouter, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.concurrency import run_in_threadpool

from rtcc.core.metrics import exposed
from rtcc.deps import RuntimeDep
from rtcc.identity.deps import public, require
from rtcc.identity.logic import Perm

router = APIRouter(tags=["ops"])


@router.get("/healthz", dependencies=[public()])
def healthz() -> dict[str, str]:
    """The process is up."""
    return {"status": "ok"}


@router.get("/readyz", dependencies=[public()])
async def readyz(runtime: RuntimeDep, response: Response) -> dict[str, object]:
    """Ready when the database answers and the bus is connected (503 otherwise)."""
    db_ok = await run_in_threadpool(runtime.db.ping)
    bus_ok = await runtime.bus.ping()
    ok = db_ok and bus_ok
    response.status_code = 200 if ok else 503
    return {
        "status": "ready" if ok else "not ready",
        "database": db_ok,
        "bus": bus_ok,
        "bus_kind": runtime.bus.name,
        "database_kind": runtime.db.dialect,
    }


@router.get(
    "/metrics",
    dependencies=[require(Perm.ops_metrics)],
    response_class=Response,
    responses={200: {"description": "Prometheus text exposition", "content": {CONTENT_TYPE_LATEST.split(";")[0]: {}}}},
)
def metrics() -> Response:
    """Prometheus text exposition of this process's counters and latencies (no personal data)."""
    return Response(generate_latest(exposed()), media_type=CONTENT_TYPE_LATEST)
