"""The FastAPI application factory and its lifespan. Nothing happens at import time.

``create_app(settings)`` wires every domain's router and the problem+json handlers. The lifespan builds the
runtime (database, bus), starts the bus, and, in the embedded profile, starts the in-process consumers (matching,
notification, live fan-out) that separate ``rtcc worker`` processes run in production.
"""

from __future__ import annotations

import logging
import re
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

from fastapi import APIRouter, FastAPI
from fastapi.routing import APIRoute
from starlette.routing import BaseRoute

from rtcc import __version__
from rtcc.core.bodylimit import BodyLimit, BodyRule
from rtcc.core.gcpause import freeze_long_lived, thaw
from rtcc.core.hotlane import HotLane
from rtcc.core.logging import configure_logging, install_access_log_redaction
from rtcc.core.manifest import load
from rtcc.core.problems import PROBLEM_RESPONSES, install_problem_handlers
from rtcc.core.textguard import TextGuard
from rtcc.core.transport import StrictTransport
from rtcc.domains import manifests, services
from rtcc.identity.deps import undeclared
from rtcc.places import service as places_service
from rtcc.runtime import Runtime, build_runtime
from rtcc.settings import Settings, get_settings

logger = logging.getLogger(__name__)

Hook = Callable[[Runtime], Awaitable[None]]


def _routers() -> list[APIRouter]:
    """Every domain's router in manifest order (``rtcc.domains``), after the health probes and the domains' hot
    routers (``Manifest.hot_router``: per-event sensor routes, matched first)."""
    from rtcc import health

    routers: list[APIRouter] = [health.router]
    routers += [load(m.hot_router) for m in manifests() if m.hot_router]
    routers += [load(m.router) for m in manifests() if m.router]
    return routers


def _startup_hooks(settings: Settings) -> list[tuple[Hook, Hook]]:
    """(start, stop) pairs run by the lifespan, in order (stopped in reverse), from the domains' manifests.

    Every API process runs the services without a worker role (the live hub feeding its SSE clients). With
    ``run_consumers`` (the embedded profile) it also runs every service that ``rtcc worker <role>`` runs in
    production (consumers and scheduled jobs; a service whose required setting is unset, such as MQTT ingest
    without ``mqtt_url``, is skipped).
    """
    hooks: list[tuple[Hook, Hook]] = []
    for service in services():
        if service.role is not None and not (settings.run_consumers and service.embedded):
            continue
        if service.requires and not getattr(settings, service.requires):
            continue
        hooks.append((load(service.start), load(service.stop)))
    return hooks


def body_rules(settings: Settings) -> list[BodyRule]:
    """The route classes with their own body limits, from the domains' manifests and the settings they name."""
    return [
        BodyRule(re.compile(body.pattern), int(getattr(settings, body.limit)), body.json)
        for m in manifests()
        for body in m.bodies
    ]


def api_routes(app: FastAPI) -> list[APIRoute]:
    """Every API route of the app, flattened through included routers (the route-permission walk uses it)."""
    out: list[APIRoute] = []

    def walk(routes: list[BaseRoute]) -> None:
        for route in routes:
            if isinstance(route, APIRoute):
                out.append(route)
            elif hasattr(route, "original_router"):
                walk(route.original_router.routes)
            elif hasattr(route, "routes"):
                walk(route.routes)

    walk(app.router.routes)
    return out


def create_app(
    settings: Settings | None = None,
    runtime: Runtime | None = None,
    *,
    extra_hooks: list[tuple[Hook, Hook]] | None = None,
    extra_routers: list[APIRouter] | None = None,
) -> FastAPI:
    """Build the application. ``runtime`` may be given by a caller that owns one (tests); ``extra_hooks`` run after
    the built-in start hooks (the demo seeds and starts its simulator there); ``extra_routers`` are mounted before the
    web pages (the demo's simulated crops). The city profile (``city_profile``) is loaded and validated here, so a bad
    profile stops the server before it listens."""
    settings = settings or (runtime.settings if runtime else get_settings())
    configure_logging(settings.log_level)
    install_access_log_redaction()
    places_service.activate(settings.city_profile)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        rt = runtime or build_runtime(settings)
        app.state.runtime = rt
        await rt.bus.start()
        hooks = _startup_hooks(settings) + list(extra_hooks or [])
        started: list[Hook] = []
        try:
            for start, stop in hooks:
                await start(rt)
                started.append(stop)
            if settings.gc_freeze:  # start-up's objects live as long as the process: no collection walks them again
                freeze_long_lived()
            logger.info("OpenRTCC %s ready (database=%s, bus=%s)", __version__, rt.db.dialect, rt.bus.name)
            yield
        finally:
            thaw()
            for stop in reversed(started):
                try:
                    await stop(rt)
                except Exception:
                    logger.exception("shutdown hook failed")
            await rt.bus.close()
            if runtime is None:
                rt.db.dispose()

    app = FastAPI(
        title="OpenRTCC",
        version=__version__,
        lifespan=lifespan,
        docs_url=None,  # /docs is served by rtcc.web with Swagger UI bundled (FastAPI's page loads it from a CDN)
        redoc_url=None,
        openapi_url=None,  # /openapi.json is served by rtcc.web behind api:docs (the API's map is not public)
        description="Open-source Real-Time Crime Center: ALPR, hotlists, alerts, governance.",
        # The platform reports through Prometheus (/metrics) and its audit log; FastAPI's built-in OpenTelemetry
        # hooks would look for an OpenTelemetry provider on every request that none is configured to receive.
        telemetry={"tracing": False, "metrics": False, "logs": False, "operation_spans": False},
    )
    install_problem_handlers(app)
    app.add_middleware(TextGuard)
    app.add_middleware(StrictTransport, max_age_s=settings.hsts_max_age_s, trusted_proxies=settings.trusted_proxies)
    # added last, so it runs first: bodies are limited before the TextGuard reads them and before authentication
    app.add_middleware(BodyLimit, default=settings.body_max_json_bytes, rules=body_rules(settings))
    routers = _routers()
    for router in [*routers[:-1], *(extra_routers or []), routers[-1]]:  # the web pages stay last
        app.include_router(router, responses=PROBLEM_RESPONSES)
    lanes = {path: handler for m in manifests() if m.hot_lane for path, handler in load(m.hot_lane).items()}
    if lanes:  # first in the table: a camera's single-read POST skips the framework's routing (rtcc.core.hotlane)
        app.router.routes.insert(0, HotLane(lanes))
    refused = undeclared(api_routes(app))
    if refused:  # deny by default, enforced here: such a route would never serve a request
        raise RuntimeError(
            "every route must declare one permission (require(...)) or public(); these do not:\n" + "\n".join(refused)
        )
    return app
