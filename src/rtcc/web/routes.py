"""HTTP routes of the web front end: the built single-page app and its public configuration.

The app is one Vite build (``web/`` → ``rtcc/web/dist``) with base path ``/app/``. ``/app/<file>`` serves a built file
(hashed ``assets/*`` are cached for a year), any other ``/app/...`` or ``/portal/...`` path answers the app's
``index.html`` so the browser's history routing works on reload; ``/`` redirects to ``/app/``; ``/docs`` is the
API documentation page of the same build (Swagger UI bundled from npm, so it needs no CDN). The pages are public:
they hold no data until the user signs in, and the data they fetch is protected by the API. The API's description
is not: ``/docs``, ``/openapi.json`` (and ``/redoc``, which leads to ``/docs``) require ``api:docs`` (admins and the
``ops`` role; in a browser, the session cookie of a signed-in user); the app learns which API paths this server
offers from ``/api/v1/web/api-paths`` (any signed-in staff member: paths only, no schemas). When the app
has not been built (no ``npm run build``) these pages say so with a 503 instead of failing. The field view is
installable: ``/app/manifest.webmanifest`` (its own type) and the service worker ``/app/sw.js`` (JavaScript, never
cached by the browser's HTTP cache, scope ``/app/``); the worker caches only the app's shell, never ``/api``.

A strict Content-Security-Policy allows script, workers and data only from this origin (plus the configured tile
server's images), so data shown on a page can never run as code. Nothing here shadows ``/api``, ``/healthz``,
``/metrics``, ``/live`` or ``/transparency``.
"""

from __future__ import annotations

import logging
import mimetypes
import re
from importlib import resources
from importlib.resources.abc import Traversable
from typing import Any
from urllib.parse import urlsplit

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from pydantic import BaseModel, Field

from rtcc.deps import SettingsDep
from rtcc.identity.deps import public, require
from rtcc.identity.logic import Perm
from rtcc.places import service as places
from rtcc.settings import Settings
from rtcc.web.config import WebSettings

logger = logging.getLogger(__name__)

router = APIRouter(tags=["web"])

#: Where the app lives; must match ``base`` in ``web/vite.config.ts``.
APP_BASE = "/app/"
#: Offline vector base maps bundled with the app, one per city profile that has one (``basemap/<slug>.geojson``);
#: a profile without one gets its boundary from ``/api/v1/places/basemap.geojson``.
BASEMAP_DIR = "basemap"
PROFILE_BASEMAP_URL = "/api/v1/places/basemap.geojson"
_SAFE_PATH = re.compile(r"^[A-Za-z0-9._/-]+$")
#: Types the platform's table may lack or name differently: the web app manifest (installable field view) and the
#: service worker script (a browser registers a worker only when served as JavaScript).
_MEDIA = {
    "geojson": "application/json",
    "json": "application/json",
    "webmanifest": "application/manifest+json",
    "js": "text/javascript",
}
_NOT_BUILT = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>OpenRTCC: web app not built</title></head>
<body style="font-family:system-ui,sans-serif;max-width:40rem;margin:3rem auto;padding:0 1rem">
<h1>The OpenRTCC web app has not been built</h1>
<p>The server is running, but the browser app's files are missing from this installation
(<code>rtcc/web/dist</code>). Build them once with:</p>
<pre>cd web &amp;&amp; npm ci &amp;&amp; npm run build</pre>
<p>(<code>make setup</code> does this for you.) The API is available meanwhile; its description is
<a href="/openapi.json">/openapi.json</a>.</p>
</body></html>
"""


class WebConfig(BaseModel):
    """What the browser app needs before sign-in: the map's base layers and where the public pages are."""

    tile_url: str | None = Field(description="Raster tile URL template, or null for the offline vector map only.")
    tile_attribution: str = Field(description="Attribution for the raster tiles.")
    tile_max_zoom: int = Field(description="Highest zoom level of the tile server.")
    basemap_url: str = Field(description="The offline vector base map (GeoJSON) of the city profile.")
    transparency_url: str = Field(description="The public transparency portal (server-rendered).")
    languages: list[str] = Field(description="Languages the app is translated into (BCP 47 codes).")
    time_zone: str = Field(description="The city's IANA time zone: the app shows every time in it.")
    city_name: str = Field(description="The city's name from its profile (titles, the map's attribution).")
    center: list[float] = Field(
        min_length=2, max_length=2, description="[lat, lon] the maps open on before the base map has loaded."
    )


def web_settings(settings: Settings) -> WebSettings:
    """The web fields of the settings (their defaults until the settings mix ``WebSettings`` in)."""
    names = set(WebSettings.model_fields)
    return WebSettings.model_validate({k: v for k, v in settings.model_dump().items() if k in names})


def dist() -> Traversable:
    """The folder of the built app inside the package."""
    return resources.files("rtcc.web").joinpath("dist")


def tile_source(tile_url: str | None) -> str:
    """The CSP source expression for the tile server's images ("" when none; ``{s}.`` subdomains become ``*.``)."""
    if not tile_url:
        return ""
    parts = urlsplit(tile_url.replace("{s}.", "x-subdomain."))
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return ""
    host = parts.netloc.replace("x-subdomain.", "*.")
    if "{" in host or "}" in host or " " in host or ";" in host:
        return ""
    return f"{parts.scheme}://{host}"


def security_headers(settings: Settings) -> dict[str, str]:
    """Headers of every page and asset: CSP (this origin only, plus tile images), no sniffing, no referrer."""
    tiles = tile_source(web_settings(settings).web_tile_url)
    img = " ".join(s for s in ("'self'", "data:", "blob:", tiles) if s)
    return {
        "Content-Security-Policy": (
            f"default-src 'none'; script-src 'self'; connect-src 'self'; img-src {img}; "
            "style-src 'self' 'unsafe-inline'; font-src 'self'; manifest-src 'self'; worker-src 'self'; "
            "form-action 'self'; "
            "base-uri 'none'; frame-ancestors 'none'"
        ),
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "no-referrer",
    }


def basemap_url() -> str:
    """The base map of the city profile: the bundled one when the app has one for it, else the profile's boundary."""
    path = f"{BASEMAP_DIR}/{places.current().meta.slug}.geojson"
    return APP_BASE + path if _file(path) is not None else PROFILE_BASEMAP_URL


def _index(settings: Settings) -> Response:
    index = dist().joinpath("index.html")
    headers = security_headers(settings) | {"Cache-Control": "no-cache"}
    if not index.is_file():
        logger.warning("web app not built: %s is missing", index)
        return HTMLResponse(_NOT_BUILT, status_code=503, headers=headers)
    return HTMLResponse(index.read_text(encoding="utf-8"), headers=headers)


def _file(path: str) -> Traversable | None:
    """The built file at ``path`` (relative to dist), or None; refuses anything that could leave the folder."""
    if not path or not _SAFE_PATH.match(path) or any(p in ("", ".", "..") for p in path.split("/")):
        return None
    node = dist()
    for part in path.split("/"):
        node = node.joinpath(part)
    return node if node.is_file() else None


@router.get("/", dependencies=[public()], include_in_schema=False)
def root() -> RedirectResponse:
    """The front page is the app."""
    return RedirectResponse(APP_BASE, status_code=307)


@router.get("/app", dependencies=[public()], include_in_schema=False)
def app_root() -> RedirectResponse:
    """``/app`` → ``/app/`` (relative asset paths need the slash)."""
    return RedirectResponse(APP_BASE, status_code=307)


@router.get("/app/{path:path}", dependencies=[public()], include_in_schema=False)
def app_page(path: str, settings: SettingsDep) -> Response:
    """A built file of the app, or the app's page for any of its own routes (history routing)."""
    found = _file(path)
    if found is not None and path != "index.html":
        media = _MEDIA.get(path.rsplit(".", 1)[-1]) or mimetypes.guess_type(path)[0] or "application/octet-stream"
        cache = "public, max-age=31536000, immutable" if path.startswith("assets/") else "no-cache"
        return Response(
            found.read_bytes(), media_type=media, headers=security_headers(settings) | {"Cache-Control": cache}
        )
    if path.startswith("assets/") or "." in path.rsplit("/", 1)[-1]:
        return Response("not found", status_code=404, media_type="text/plain", headers=security_headers(settings))
    return _index(settings)


def _schema(request: Request) -> dict[str, Any]:
    schema: dict[str, Any] = request.app.openapi()
    return schema


@router.get("/openapi.json", dependencies=[require(Perm.api_docs)], include_in_schema=False)
def openapi_document(request: Request, settings: SettingsDep) -> JSONResponse:
    """The OpenAPI description of the whole API (``api:docs``)."""
    return JSONResponse(_schema(request), headers=security_headers(settings) | {"Cache-Control": "no-store"})


@router.get("/api/v1/web/api-paths", dependencies=[require(Perm.self_read)])
def api_paths(request: Request) -> list[str]:
    """The API paths this server offers (no schemas), so the app's screens for APIs not installed say so."""
    return sorted(_schema(request).get("paths", {}))


@router.get("/redoc", dependencies=[require(Perm.api_docs)], include_in_schema=False)
def redoc() -> RedirectResponse:
    """ReDoc is not bundled: its readers get the bundled Swagger UI page."""
    return RedirectResponse("/docs", status_code=307)


@router.get("/docs", dependencies=[require(Perm.api_docs)], include_in_schema=False)
def api_docs(settings: SettingsDep) -> Response:
    """The API documentation (Swagger UI bundled into the web build, so it works offline) of ``/openapi.json``
    (``api:docs``)."""
    page = dist().joinpath("docs.html")
    headers = security_headers(settings) | {"Cache-Control": "no-cache"}
    if not page.is_file():
        logger.warning("API docs page not built: %s is missing", page)
        return HTMLResponse(_NOT_BUILT, status_code=503, headers=headers)
    return HTMLResponse(page.read_text(encoding="utf-8"), headers=headers)


@router.get("/portal", dependencies=[public()], include_in_schema=False)
def portal_root(settings: SettingsDep) -> Response:
    """The community portal (the same app, public pages for residents and businesses)."""
    return _index(settings)


@router.get("/portal/{path:path}", dependencies=[public()], include_in_schema=False)
def portal_page(path: str, settings: SettingsDep) -> Response:
    """A page of the community portal (history routing)."""
    return _index(settings)


@router.get("/api/v1/web/config", dependencies=[public()])
def web_config(settings: SettingsDep) -> WebConfig:
    """The browser app's configuration: base map layers, languages and the public pages (no secrets)."""
    ws = web_settings(settings)
    return WebConfig(
        tile_url=ws.web_tile_url,
        tile_attribution=ws.web_tile_attribution,
        tile_max_zoom=ws.web_tile_max_zoom,
        basemap_url=basemap_url(),
        transparency_url="/transparency",
        languages=["en", "es"],
        time_zone=places.city_zone().key,
        city_name=places.city_name(),
        center=places.current().boundary.center(),
    )
