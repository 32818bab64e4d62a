"""The one validated settings object. Every field is read from ``RTCC_<NAME>`` or a ``.env`` file, and described.

A test fails when a field has no description (docs live with code).
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from rtcc.alpr.config import AlprSettings
from rtcc.analytics.config import AnalyticsSettings
from rtcc.audit.config import AuditSettings
from rtcc.cameras.config import CamerasSettings
from rtcc.community.config import CommunitySettings
from rtcc.dispatch.config import DispatchSettings
from rtcc.drones.flight_config import DroneFlightSettings
from rtcc.footage.config import FootageSettings
from rtcc.governance.config import GovernanceSettings
from rtcc.identity.config import IdentitySettings
from rtcc.investigations.config import InvestigationsSettings
from rtcc.matching.config import MatchingSettings
from rtcc.notify.config import NotifySettings
from rtcc.patrol.config import PatrolSettings
from rtcc.places.config import PlacesSettings
from rtcc.rebates.config import RebatesSettings
from rtcc.retention.config import RetentionSettings
from rtcc.routing.config import RoutingSettings
from rtcc.web.config import WebSettings


class Settings(
    BaseSettings,
    InvestigationsSettings,
    MatchingSettings,
    GovernanceSettings,
    AuditSettings,
    RetentionSettings,
    CamerasSettings,
    FootageSettings,
    NotifySettings,
    CommunitySettings,
    RebatesSettings,
    DispatchSettings,
    DroneFlightSettings,
    WebSettings,
    AlprSettings,
    PlacesSettings,
    RoutingSettings,
    PatrolSettings,
    IdentitySettings,
    AnalyticsSettings,
):
    """OpenRTCC configuration. Defaults give the embedded profile (SQLite, in-process bus).

    Each domain owns its fields in ``rtcc/<domain>/config.py``; they are mixed in here so there is still one object.
    """

    model_config = SettingsConfigDict(env_prefix="RTCC_", env_file=".env", extra="ignore")

    database_url: str = Field(
        default="sqlite:///var/rtcc.db",
        description="SQLAlchemy URL. SQLite (default, WAL mode) or postgresql+psycopg://user@host/db.",
    )
    bus_url: str = Field(
        default="memory://",
        description="Event bus: memory:// (in-process), nats://host:4222, or a NATS cluster as a comma-separated list "
        "(nats://nats-1:4222,nats://nats-2:4222,nats://nats-3:4222): the client fails over to the next server.",
    )
    bus_replicas: int = Field(
        default=1,
        ge=1,
        le=5,
        description="Copies of the NATS JetStream stream (and its consumers) the cluster keeps: 1 for one server, "
        "3 for a three-node cluster (survives losing one node). Applied when the stream is created or updated.",
    )
    bus_stream: str = Field(default="RTCC", description="NATS JetStream stream name holding rtcc.> subjects.")
    bus_subject_prefix: str = Field(
        default="rtcc", description="First token of every NATS subject (<prefix>.<event type>); one per stream."
    )
    mqtt_url: str | None = Field(
        default=None,
        description="MQTT broker for camera ingest, e.g. mqtt://127.0.0.1:1883; unset disables it.",
    )
    mqtt_topic_prefix: str = Field(default="rtcc", description="Native ALPR topic prefix: <prefix>/alpr/<camera>.")
    mqtt_frigate_prefix: str = Field(default="frigate", description="Frigate NVR MQTT topic prefix.")
    host: str = Field(default="127.0.0.1", description="Address the HTTP server binds to.")
    port: int = Field(default=8000, description="Port the HTTP server listens on.")
    session_idle_minutes: int = Field(default=30, description="A login session ends after this many idle minutes.")
    session_max_hours: int = Field(default=12, description="A login session ends this many hours after login.")
    api_key_cache_s: float = Field(
        default=2.0,
        ge=0,
        description="Seconds a process remembers a resolved API key (0: look it up on every request). A key "
        "revoked by another process stops working here within this time; revoked here, at once.",
    )
    gc_freeze: bool = Field(
        default=True,
        description="Once started, a server or worker moves the objects start-up made out of Python's garbage "
        "collector (full collections then stop walking them: without it, each was a stall of ~200 ms that every "
        "request in flight waited out). Off only where many apps start in one process (the test suite).",
    )
    trusted_proxies: list[str] = Field(
        default_factory=list,
        description="Addresses or networks (e.g. 127.0.0.1, 10.0.0.0/8) of reverse proxies whose X-Forwarded-Proto "
        "header is believed: a request they forward with https counts as served over TLS (the HSTS header). Empty "
        "(default): only the server's own TLS counts.",
    )
    hsts_max_age_s: int = Field(
        default=31_536_000,
        ge=0,
        description="max-age of the Strict-Transport-Security header sent on every answer served over TLS (never "
        "over plain http); 0 disables it.",
    )
    cookie_secure: bool = Field(
        default=True,
        description="Mark the session cookie Secure (sent over HTTPS only). `rtcc demo` turns it off unless set "
        "explicitly, so the demo works over plain http.",
    )
    read_max_future_s: int = Field(
        default=300, description="Reads observed more than this many seconds in the future are rejected."
    )
    retention_reads_days: int = Field(
        default=30,
        description="Non-hit reads older than this are rejected on ingest (and purged by retention).",
    )
    camera_offline_s: int = Field(
        default=600, description="A camera silent longer than this raises a 'camera offline' alert."
    )
    alert_dedup_window_s: int = Field(
        default=43_200,
        description=(
            "A later read of an alert's vehicle (same hotlist entry, same plate as read, any camera) within this many "
            "seconds of its last sighting is a sighting on that alert (new, verified, dispatched or rejected); after a "
            "longer gap, or once the alert is closed, it opens a new alert."
        ),
    )
    hotlist_refresh_s: int = Field(default=3600, description="Interval of the scheduled hotlist refresh job.")
    ingest_max_batch: int = Field(default=5000, description="Largest batch of reads accepted in one request.")
    body_max_json_bytes: int = Field(
        default=1024 * 1024,
        ge=1024,
        description="Largest request body of an ordinary API route, in bytes (1 MiB). Every limit is enforced before "
        "the body is read and before authentication: a larger Content-Length is answered 413 at once, a chunked body "
        "is cut at the limit (rtcc.core.bodylimit).",
    )
    body_max_ingest_bytes: int = Field(
        default=16 * 1024 * 1024,
        ge=1024,
        description="Largest body of the ALPR ingest routes (POST /api/v1/reads, /api/v1/ingest/openalpr), in bytes "
        "(16 MiB): a full native batch (RTCC_INGEST_MAX_BATCH = 5000 reads, about 3 KB each at most with every "
        "optional field, usually 300 B) or an OpenALPR document with two crops at RTCC_ALPR_IMAGE_MAX_BYTES, base64.",
    )
    body_max_import_bytes: int = Field(
        default=256 * 1024 * 1024,
        ge=1024,
        description="Largest file of the import routes (hotlist import, CAD history import), in bytes (256 MiB): a "
        "1,000,000-entry hotlist fits (CSV with plate, state, category, reason, case number, expiry and vehicle "
        "columns is about 130 MB; CLEW or NCIC extracts 30-70 MB). JSON bodies there get RTCC_BODY_MAX_JSON_BYTES.",
    )
    body_max_upload_bytes: int = Field(
        default=20 * 1024 * 1024,
        ge=1024,
        description="Largest multipart upload of a resident (a tip with its photo, a rebate proof of purchase), in "
        "bytes (20 MiB); the file limits RTCC_COMMUNITY_TIP_PHOTO_MAX_BYTES and RTCC_REBATE_MAX_UPLOAD_MB apply "
        "inside it, while the upload streams. Footage clips have their own limit (RTCC_FOOTAGE_MAX_UPLOAD_MB).",
    )
    log_level: str = Field(default="INFO", description="Root log level (DEBUG, INFO, WARNING, ERROR).")
    data_dir: Path = Field(default=Path("var"), description="Directory for the SQLite file and local files.")
    demo_speedup: float = Field(default=1.0, description="Demo traffic time compression (1 = real time).")
    demo_cad_history: Path | None = Field(
        default=None,
        description="A CAD export (a known layout, e.g. the Alexandria DECC extract) that `rtcc demo` imports after "
        "start and backtests the simulator on (its first 8 ISO weeks fitted, the next 3 predicted); unset: none.",
    )
    run_consumers: bool = Field(
        default=True,
        description="Run the match and notify consumers inside the API process (embedded profile).",
    )


@lru_cache
def get_settings() -> Settings:
    """The process-wide settings, read once from the environment."""
    return Settings()
