"""The FastAPI application factory and its lifespan. Nothing happens at import time.

``create_app(settings)`` wires every domain's router and the problem+json handlers. The lifespan builds the
runtime (database, bus), starts the bus, and, in the embedded profile, starts the in-process consumers (matching,
notification, live fan-out) that separate ``rtcc worker`` processes run in production.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

from fastapi import APIRouter, FastAPI
from fastapi.routing import APIRoute
from starlette.routing import BaseRoute

from rtcc import __version__
from rtcc.core.logging import configure_logging
from rtcc.core.problems import install_problem_handlers
from rtcc.runtime import Runtime, build_runtime
from rtcc.settings import Settings, get_settings

logger = logging.getLogger(__name__)

Hook = Callable[[Runtime], Awaitable[None]]


def _routers() -> list[APIRouter]:
    from rtcc import health
    from rtcc.alerts import routes as alerts_routes
    from rtcc.alpr import routes as alpr_routes
    from rtcc.audit import routes as audit_routes
    from rtcc.cameras import routes as cameras_routes
    from rtcc.community import routes as community_routes
    from rtcc.demo import crops as demo_crops
    from rtcc.footage import routes as footage_routes
    from rtcc.governance import routes as governance_routes
    from rtcc.hotlists import routes as hotlists_routes
    from rtcc.identity import routes as identity_routes
    from rtcc.investigations import routes as investigations_routes
    from rtcc.live import routes as live_routes
    from rtcc.rebates import routes as rebates_routes
    from rtcc.retention import routes as retention_routes
    from rtcc.web import routes as web_routes

    return [
        health.router,
        identity_routes.router,
        audit_routes.router,
        alpr_routes.router,
        hotlists_routes.router,
        alerts_routes.router,
        live_routes.router,
        investigations_routes.router,
        governance_routes.router,
        retention_routes.router,
        cameras_routes.router,
        footage_routes.router,
        community_routes.router,
        rebates_routes.router,
        demo_crops.router,  # the demo cameras' simulated plate crops (alerts:read_verified)
        web_routes.router,  # last: the app's page routes must not shadow an API route
    ]


def _startup_hooks(settings: Settings) -> list[tuple[Hook, Hook]]:
    """(start, stop) pairs run by the lifespan, in order (stopped in reverse).

    Every API process runs the live hub (it feeds the SSE clients of that process). With ``run_consumers`` (the
    embedded profile) the process also runs what ``rtcc worker`` runs in production: matching, the plate search index,
    notification, the camera-health monitor, the hotlist refresh, the retention purge, linked-camera health, the
    community outbox delivery, footage-request expiry, the misuse scan and, when ``mqtt_url`` is set, MQTT ingest.
    """
    from rtcc.alpr import groupcommit
    from rtcc.live import hub

    # the ingest writer first, so that it stops last: whatever the other hooks still submit is committed
    hooks: list[tuple[Hook, Hook]] = [(groupcommit.start, groupcommit.stop), (hub.start, hub.stop)]
    if settings.run_consumers:
        from rtcc.alpr import jobs as alpr_jobs
        from rtcc.cameras import jobs as camera_jobs
        from rtcc.community import jobs as community_jobs
        from rtcc.footage import jobs as footage_jobs
        from rtcc.governance import jobs as governance_jobs
        from rtcc.hotlists import jobs as hotlist_jobs
        from rtcc.investigations import consumers as index_consumers
        from rtcc.matching import consumers as match_consumers
        from rtcc.notify import consumers as notify_consumers
        from rtcc.retention import jobs as retention_jobs

        hooks += [
            (match_consumers.start, match_consumers.stop),
            (index_consumers.start, index_consumers.stop),
            (notify_consumers.start, notify_consumers.stop),
            (alpr_jobs.start_offline_monitor, alpr_jobs.stop_offline_monitor),
            (hotlist_jobs.start_refresh, hotlist_jobs.stop_refresh),
            (retention_jobs.start, retention_jobs.stop),
            (camera_jobs.start, camera_jobs.stop),
            (community_jobs.start, community_jobs.stop),
            (footage_jobs.start, footage_jobs.stop),
            (governance_jobs.start, governance_jobs.stop),
        ]
        if settings.mqtt_url:
            from rtcc.alpr import mqtt

            hooks.append((mqtt.start, mqtt.stop))
    return hooks


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
) -> FastAPI:
    """Build the application. ``runtime`` may be given by a caller that owns one (tests); ``extra_hooks`` run after
    the built-in start hooks (the demo seeds and starts its simulator there)."""
    settings = settings or (runtime.settings if runtime else get_settings())
    configure_logging(settings.log_level)

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
            logger.info("OpenRTCC %s ready (database=%s, bus=%s)", __version__, rt.db.dialect, rt.bus.name)
            yield
        finally:
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
        description="Open-source Real-Time Crime Center: ALPR, hotlists, alerts, governance.",
    )
    install_problem_handlers(app)
    for router in _routers():
        app.include_router(router)
    return app
