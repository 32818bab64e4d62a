"""Settings of drone flights, mixed into ``rtcc.settings.Settings`` (env ``RTCC_<FIELD>``): what counts as "camera
down" and "on scene", the camera's field of view (the footprint on the live map), how long footage is kept, the
public log's coarsening, and the telemetry channels (MAVLink over UDP, JSON over MQTT)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field


class DroneFlightSettings(BaseModel):
    """Drone flight settings."""

    drones_camera_down_deg: float = Field(
        default=-30.0,
        ge=-90,
        le=0,
        description="The camera counts as pointed down when its pitch is at or below this angle (degrees; -90 is "
        "straight down). Crossing a camera-restricted zone with the camera down raises an alert.",
    )
    drones_on_scene_radius_m: float = Field(
        default=100.0, gt=0, le=2000, description="A drone this close to its call's location is on scene."
    )
    drones_camera_hfov_deg: float = Field(
        default=70.0, gt=1, lt=180, description="The drone camera's horizontal field of view (footprint on the map)."
    )
    drones_camera_vfov_deg: float = Field(
        default=50.0, gt=1, lt=180, description="The drone camera's vertical field of view (footprint on the map)."
    )
    drones_footage_retention_days: int = Field(
        default=30,
        ge=1,
        le=3650,
        description="Drone footage is purged this many days after it is stored unless attached to a case as evidence "
        "(the launch policy's footage_retention_days, when it sets one, takes precedence).",
    )
    drones_public_cell_m: float = Field(
        default=250.0, ge=50, le=5000, description="The public log snaps flight paths to a grid of this cell size."
    )
    drones_public_private_radius_m: float = Field(
        default=400.0,
        ge=0,
        le=5000,
        description="The public log leaves out path points this close to the call's location and to the track's ends.",
    )
    drones_mavlink_udp: str | None = Field(
        default=None,
        description="Listen for MAVLink telemetry on this UDP address ('host:port', e.g. '0.0.0.0:14550'); unset: "
        "no MAVLink listener.",
    )
    drones_mavlink_systems: str = Field(
        default="",
        description="Which drone each MAVLink system id is: '<system id>=<drone code>', comma separated "
        "(e.g. '1=CER-D1,2=CER-D2'); messages of other systems are dropped.",
    )
    drones_mqtt_telemetry: bool = Field(
        default=True,
        description="Subscribe to drone telemetry on MQTT ('<RTCC_MQTT_TOPIC_PREFIX>/drones/<code>/telemetry') when "
        "RTCC_MQTT_URL is set.",
    )
    drones_video_url_template: str | None = Field(
        default=None,
        description="The live video link of a drone, '{drone}' replaced by its code (e.g. "
        "'rtsp://video.example.org/live/{drone}'); handed out only for a flight whose call is open, audited. Unset: "
        "no drone video.",
    )
    drones_weather_url: str | None = Field(
        default=None,
        description="Poll wind observations from this URL (e.g. 'https://aviationweather.gov/api/data/metar?ids=KLGB' "
        "or 'https://api.weather.gov/stations/KLGB/observations/latest'); unset: no feed (docks' own readings and "
        "manual entries only).",
    )
    drones_weather_format: Literal["metar", "nws"] = Field(
        default="metar", description="How to read RTCC_DRONES_WEATHER_URL: raw METAR text, or an NWS API observation."
    )
    drones_weather_interval_s: int = Field(
        default=600, ge=0, description="Seconds between polls of the weather feed; 0 disables the feed."
    )
    drones_weather_dock: str | None = Field(
        default=None, description="The dock code the feed's observations apply to; unset: every dock (an area feed)."
    )
    drones_command_mqtt: bool = Field(
        default=True,
        description="Send drone commands (return to dock, land) as JSON on MQTT "
        "('<RTCC_MQTT_TOPIC_PREFIX>/drones/<code>/command') when RTCC_MQTT_URL is set and the drone's telemetry "
        "arrives over MQTT.",
    )
