"""What the drones domain adds to a process (``rtcc.core.manifest``): the fleet and launch-policy tables, launch
decisions and requests, flights and their telemetry, the API under ``/api/v1/drones``, the public flight log, the
``rtcc drones`` commands, and the telemetry listeners (MAVLink over UDP, JSON over MQTT) and the flights job."""

from __future__ import annotations

from rtcc.core.manifest import CliGroup, Manifest, Service

MANIFEST = Manifest(
    name="drones",
    models="rtcc.drones.models",
    router="rtcc.drones.routes:router",  # it includes the flights' router (rtcc.drones.flight_routes)
    cli=(CliGroup("drones", "rtcc.drones.cli:drones"),),
    settings="rtcc.drones.flight_config:DroneFlightSettings",
    services=(
        Service("drone flights job", "rtcc.drones.flight_jobs:start", "rtcc.drones.flight_jobs:stop", role="jobs"),
        Service("drone weather feed", "rtcc.drones.weather_feed:start", "rtcc.drones.weather_feed:stop", role="jobs"),
        Service(
            "drone telemetry (MAVLink UDP)",
            "rtcc.drones.mavlink_udp:start",
            "rtcc.drones.mavlink_udp:stop",
            role="ingest",
            ingress=True,  # starts only when RTCC_DRONES_MAVLINK_UDP is set (the ingest worker runs without it)
        ),
        Service(
            "drone telemetry (MQTT)",
            "rtcc.drones.mqtt:start",
            "rtcc.drones.mqtt:stop",
            role="ingest",
            requires="mqtt_url",
            ingress=True,
        ),
    ),
)
