"""HTTP routes of the live domain: the Server-Sent Events stream ``GET /api/v1/live/stream`` (replay after
``Last-Event-ID``, then live events the caller's role may see), and the plain live alert page (``page.py``).

``GET /live`` now sends the browser to the web app (``/app/``, whose live map and alert queue replace the plain
page) whenever the app is built; without a build (no ``npm run build``) the plain page is still served there.
``router`` holds all of them; the app includes it once.
"""

from __future__ import annotations

from functools import partial
from typing import Annotated

from fastapi import APIRouter, Header, Query
from fastapi.responses import HTMLResponse, RedirectResponse, StreamingResponse
from starlette.concurrency import run_in_threadpool

from rtcc.core.errors import ServiceUnavailable
from rtcc.deps import RuntimeDep
from rtcc.identity.deps import public, require
from rtcc.identity.logic import Perm, Principal
from rtcc.live import page, service
from rtcc.live.hub import SERVICE_NAME, LiveHub

api = APIRouter(prefix="/api/v1/live", tags=["live"])

#: Paths that answer with an endless stream (a test client that waits for the whole body must not call them).
STREAMING_PATHS = frozenset({"/api/v1/live/stream"})


def parse_last_event_id(value: str | None) -> int | None:
    """The event id a reconnecting client last received, or None when absent or not a non-negative integer."""
    if value is None:
        return None
    value = value.strip()
    if not value.isdigit():
        return None
    return int(value)


@api.get(
    "/stream",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/event-stream": {}}, "description": "An endless event stream."}},
)
async def stream(
    runtime: RuntimeDep,
    principal: Annotated[Principal, require(Perm.live_read)],
    last_event_id: Annotated[
        str | None, Query(description="Resume after this event id (when the Last-Event-ID header can't be set).")
    ] = None,
    last_event_id_header: Annotated[str | None, Header(alias="Last-Event-ID")] = None,
    purpose: Annotated[
        str | None,
        Query(max_length=64, description="Purpose code the alerts' plates are shown for (required to receive alerts)."),
    ] = None,
    case_number: Annotated[
        str | None, Query(max_length=64, description="Case number, where the purpose needs one.")
    ] = None,
) -> StreamingResponse:
    """Alerts and camera status as Server-Sent Events, filtered by role; resumes after ``Last-Event-ID``. A client
    that may receive alerts names the ``purpose`` it watches them for; the plates sent are recorded in batches
    (``alpr.access``: one record for a replay, then one per batch of live events)."""
    hub = runtime.services.get(SERVICE_NAME)
    if not isinstance(hub, LiveHub):
        raise ServiceUnavailable("live updates are not running in this process")
    shows_plates = principal.can(Perm.alerts_read) or principal.can(Perm.alerts_read_verified)
    recorder = await run_in_threadpool(
        partial(
            service.stream_access,
            runtime.db,
            principal,
            shows_plates=shows_plates,
            purpose=purpose,
            case_number=case_number,
        )
    )
    last = parse_last_event_id(last_event_id_header if last_event_id_header is not None else last_event_id)
    return StreamingResponse(
        hub.stream(principal, last, access=recorder),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache, no-store", "X-Accel-Buffering": "no"},
    )


entry = APIRouter(tags=["live"])


@entry.get("/live", dependencies=[public()], include_in_schema=False, response_model=None)
def live_entry() -> HTMLResponse | RedirectResponse:
    """The live screen: the web app's live map and alert queue when built, else the plain live page."""
    from rtcc.web.routes import APP_BASE, dist

    if dist().joinpath("index.html").is_file():
        return RedirectResponse(APP_BASE, status_code=307)
    return page.live_page()


router = APIRouter()
router.include_router(api)
router.include_router(entry)  # before page.router: this /live wins
router.include_router(page.router)
