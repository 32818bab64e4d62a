"""The public flight log page (``GET /drones/log``), served from the package (no CDN, no build step, no login).

A phone-friendly page in English and Spanish (``?lang=es``, or the browser's language): the monthly figures, the
definition of "cleared without patrol", every flight newest first (with "more" following the keyset cursor), each
flight's coarsened path drawn as a small map, and the CSV and GeoJSON downloads. It holds no data itself: its script
reads the public API (``/api/v1/public/drones/...``). A strict Content-Security-Policy allows only this origin's
script.
"""

from __future__ import annotations

from functools import lru_cache
from importlib import resources

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, Response

from rtcc.identity.deps import public

router = APIRouter(tags=["drones"])

_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; script-src 'self'; connect-src 'self'; img-src 'self' data:; "
        "style-src 'self' 'unsafe-inline'; base-uri 'none'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-cache",
}


@lru_cache(maxsize=4)
def asset(name: str) -> str:
    """The text of a file in ``rtcc/drones/static``."""
    return resources.files("rtcc.drones").joinpath("static", name).read_text(encoding="utf-8")


@router.get("/drones/log", dependencies=[public()], response_class=HTMLResponse, include_in_schema=False)
def log_page() -> HTMLResponse:
    """The public drone flight log page."""
    return HTMLResponse(asset("flightlog.html"), headers=_HEADERS)


@router.get("/drones/log/flightlog.js", dependencies=[public()], include_in_schema=False)
def log_script() -> Response:
    """The page's script."""
    return Response(asset("flightlog.js"), media_type="text/javascript; charset=utf-8", headers=_HEADERS)
