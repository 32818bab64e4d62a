"""What the dispatch domain adds to a process (``rtcc.core.manifest``): calls, units and their tables, the API, the
``rtcc dispatch`` commands, its settings, and the subscriber of unit positions over MQTT."""

from __future__ import annotations

from rtcc.core.manifest import BodyClass, CliGroup, Manifest, Service

MANIFEST = Manifest(
    name="dispatch",
    bodies=(BodyClass(r"/api/v1/dispatch/history$", "body_max_import_bytes"),),
    models="rtcc.dispatch.models",
    router="rtcc.dispatch.routes:router",
    cli=(CliGroup("dispatch", "rtcc.dispatch.cli:dispatch"),),
    settings="rtcc.dispatch.config:DispatchSettings",
    services=(
        Service(
            "unit positions (MQTT)",
            "rtcc.dispatch.mqtt:start",
            "rtcc.dispatch.mqtt:stop",
            role="ingest",
            requires="mqtt_url",
            ingress=True,
        ),
    ),
)
