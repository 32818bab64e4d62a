"""The plain live alert page (``GET /live``) and its script, served from the package (no CDN, no build step).

The page holds no data: it signs in through ``POST /api/v1/auth/login`` (session cookie), lists alerts and camera
status from ``GET /api/v1/live/stream`` and calls the alert API to verify or reject. A strict Content-Security-Policy
allows only this origin's script, so alert data can never run as code.
"""

from __future__ import annotations

from functools import lru_cache
from importlib import resources

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, Response

from rtcc.identity.deps import public

router = APIRouter(tags=["live"])

_SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; script-src 'self'; connect-src 'self'; img-src 'self' data:; "
        "style-src 'self' 'unsafe-inline'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-cache",
}


@lru_cache(maxsize=4)
def asset(name: str) -> str:
    """The text of a file in ``rtcc/live/static``."""
    return resources.files("rtcc.live").joinpath("static", name).read_text(encoding="utf-8")


@router.get("/live", dependencies=[public()], response_class=HTMLResponse, include_in_schema=False)
def live_page() -> HTMLResponse:
    """The live alert page (public: it holds no data until the user signs in)."""
    return HTMLResponse(asset("live.html"), headers=_SECURITY_HEADERS)


@router.get("/live/live.js", dependencies=[public()], include_in_schema=False)
def live_script() -> Response:
    """The live page's script."""
    return Response(asset("live.js"), media_type="text/javascript; charset=utf-8", headers=_SECURITY_HEADERS)
