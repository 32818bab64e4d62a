"""What the alpr domain adds to a process (``rtcc.core.manifest``): cameras, reads, dead letters; MQTT ingest, the
camera-health monitor and the reads-partition job."""

from __future__ import annotations

from rtcc.core.manifest import BodyClass, CliGroup, Manifest, Service

MANIFEST = Manifest(
    name="alpr",
    bodies=(BodyClass(r"/api/v1/(reads|ingest/openalpr)$", "body_max_ingest_bytes", json=True),),
    models="rtcc.alpr.models",
    router="rtcc.alpr.routes:router",
    hot_router="rtcc.alpr.routes:ingest_router",
    hot_lane="rtcc.alpr.routes:INGEST_LANE",
    settings="rtcc.alpr.config:AlprSettings",
    cli=(
        CliGroup("reads", "rtcc.alpr.cli:reads"),
        CliGroup("deadletters", "rtcc.alpr.cli:deadletters"),
        CliGroup("cameras", "rtcc.alpr.cli:cameras"),
    ),
    services=(
        # first, so that it stops last: whatever the other services still submit is committed
        Service(
            "ingest group commit",
            "rtcc.alpr.groupcommit:start",
            "rtcc.alpr.groupcommit:stop",
            role=None,
            also_in=("ingest",),
        ),
        # after the group commit, so that it stops first: the child's last batches are answered while the API
        # process's own writer still runs
        Service(
            "ingest writer process",
            "rtcc.alpr.writerproc:start",
            "rtcc.alpr.writerproc:stop",
            role=None,
        ),
        Service(
            "camera health monitor",
            "rtcc.alpr.jobs:start_offline_monitor",
            "rtcc.alpr.jobs:stop_offline_monitor",
            role="jobs",
        ),
        Service(
            "reads partitions",
            "rtcc.alpr.jobs:start_partition_job",
            "rtcc.alpr.jobs:stop_partition_job",
            role="jobs",
        ),
        Service(
            "MQTT ingest",
            "rtcc.alpr.mqtt:start",
            "rtcc.alpr.mqtt:stop",
            role="ingest",
            requires="mqtt_url",
            ingress=True,
        ),
    ),
)
