"""MAVLink telemetry decoding (PX4, ArduPilot): messages parsed by pymavlink in, ``TelemetryFix`` out.

MAVLink spreads one fix over several messages, so ``MavlinkAssembler`` keeps the latest value of each per system id
and emits a fix whenever a position arrives (GLOBAL_POSITION_INT, the message autopilots stream at 1-10 Hz):

- position and altitude: GLOBAL_POSITION_INT (``lat``/``lon`` in 1e-7 degrees, ``relative_alt`` in mm above home,
  ``hdg`` in centidegrees, 65535 unknown; ``vx``/``vy`` in cm/s give the ground speed);
- heading and speed when GLOBAL_POSITION_INT lacks them: VFR_HUD (``heading``, ``groundspeed``), then ATTITUDE's yaw;
- battery: BATTERY_STATUS or SYS_STATUS ``battery_remaining`` (%; -1 unknown);
- camera pitch: GIMBAL_DEVICE_ATTITUDE_STATUS (quaternion, MAVLink gimbal protocol v2) or MOUNT_ORIENTATION
  (degrees, ArduPilot's older mount messages);
- clock: SYSTEM_TIME pairs the autopilot's boot clock with UTC, so a fix's ``time_boot_ms`` becomes a UTC time;
  without it the fix carries no time and the ingest path uses the time received.

Which drone a system id is comes from the caller (``drone_of``: a configured map); messages from an unknown system
are counted and dropped. Pure: bytes are parsed by pymavlink's own parser, no socket here.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from pymavlink.dialects.v20 import common as mavlink2

from rtcc.drones.telemetry import TelemetryFix

#: The message types the assembler reads; everything else is ignored.
USED = frozenset(
    {
        "GLOBAL_POSITION_INT",
        "ATTITUDE",
        "VFR_HUD",
        "SYS_STATUS",
        "BATTERY_STATUS",
        "GIMBAL_DEVICE_ATTITUDE_STATUS",
        "MOUNT_ORIENTATION",
        "SYSTEM_TIME",
    }
)


def parse_systems(spec: str) -> dict[int, str]:
    """``"1=CER-D1,2=CER-D2"`` -> {1: "CER-D1", 2: "CER-D2"} (the setting mapping MAVLink system ids to drones).
    Raises ``ValueError`` naming the bad item."""
    out: dict[int, str] = {}
    for item in (s.strip() for s in spec.split(",")):
        if not item:
            continue
        sysid, sep, code = item.partition("=")
        if not sep or not sysid.strip().isdigit() or not code.strip() or not 1 <= int(sysid) <= 255:
            raise ValueError(f"MAVLink system map item {item!r}: expected '<system id 1-255>=<drone code>'")
        out[int(sysid)] = code.strip()
    return out


def quaternion_pitch_deg(q: tuple[float, float, float, float] | list[float]) -> float | None:
    """The pitch (degrees, -90 = down) of a quaternion ``(w, x, y, z)``; None when it is NaN (gimbal unknown)."""
    w, x, y, z = (float(v) for v in q)
    if any(math.isnan(v) for v in (w, x, y, z)):
        return None
    s = max(-1.0, min(1.0, 2.0 * (w * y - z * x)))
    return math.degrees(math.asin(s))


@dataclass
class _State:
    heading_deg: float | None = None
    speed_mps: float | None = None
    battery_pct: float | None = None
    camera_pitch_deg: float | None = None
    boot_at: datetime | None = None  # the UTC time of the autopilot's boot (SYSTEM_TIME)
    messages: int = 0


@dataclass
class AssemblerStats:
    """Counters (tests, logs)."""

    messages: int = 0
    fixes: int = 0
    unknown_system: int = 0
    bad: int = 0


@dataclass
class MavlinkAssembler:
    """Folds MAVLink messages into fixes, per system id (see the module docstring)."""

    drone_of: Callable[[int], str | None]
    source: str = "mavlink"
    stats: AssemblerStats = field(default_factory=AssemblerStats)
    _states: dict[int, _State] = field(default_factory=dict)
    _parser: Any = None

    def feed_bytes(self, data: bytes) -> list[TelemetryFix]:
        """Parse one datagram (one or more MAVLink v1/v2 frames) and return the fixes it completes."""
        if self._parser is None:
            self._parser = mavlink2.MAVLink(None)
            self._parser.robust_parsing = True
        try:
            msgs = self._parser.parse_buffer(data) or []
        except mavlink2.MAVError:
            self.stats.bad += 1
            return []
        out = []
        for msg in msgs:
            fix = self.feed(msg)
            if fix is not None:
                out.append(fix)
        return out

    def feed(self, msg: Any) -> TelemetryFix | None:
        """Fold one parsed message; a GLOBAL_POSITION_INT from a known system returns a fix."""
        kind = msg.get_type()
        if kind == "BAD_DATA":
            self.stats.bad += 1
            return None
        if kind not in USED:
            return None
        self.stats.messages += 1
        sysid = int(msg.get_srcSystem())
        code = self.drone_of(sysid)
        if code is None:
            self.stats.unknown_system += 1
            return None
        st = self._states.setdefault(sysid, _State())
        st.messages += 1
        if kind == "GLOBAL_POSITION_INT":
            return self._fix(code, st, msg)
        if kind == "VFR_HUD":
            st.heading_deg = float(msg.heading) % 360.0
            st.speed_mps = max(0.0, float(msg.groundspeed))
        elif kind == "ATTITUDE":
            if st.heading_deg is None:
                st.heading_deg = math.degrees(float(msg.yaw)) % 360.0
        elif kind in ("SYS_STATUS", "BATTERY_STATUS"):
            if int(msg.battery_remaining) >= 0:
                st.battery_pct = float(min(100, int(msg.battery_remaining)))
        elif kind == "GIMBAL_DEVICE_ATTITUDE_STATUS":
            st.camera_pitch_deg = quaternion_pitch_deg(list(msg.q))
        elif kind == "MOUNT_ORIENTATION":
            st.camera_pitch_deg = float(msg.pitch)
        elif kind == "SYSTEM_TIME" and int(msg.time_unix_usec) > 0:
            utc = datetime.fromtimestamp(int(msg.time_unix_usec) / 1e6, tz=UTC)
            st.boot_at = utc - timedelta(milliseconds=int(msg.time_boot_ms))
        return None

    def _fix(self, code: str, st: _State, msg: Any) -> TelemetryFix:
        self.stats.fixes += 1
        hdg = int(msg.hdg)
        heading = hdg / 100.0 % 360.0 if hdg != 65535 else st.heading_deg
        vx, vy = int(msg.vx), int(msg.vy)
        speed = math.hypot(vx, vy) / 100.0 if (vx or vy) else st.speed_mps
        at = st.boot_at + timedelta(milliseconds=int(msg.time_boot_ms)) if st.boot_at is not None else None
        return TelemetryFix(
            drone=code,
            at=at,
            lat=int(msg.lat) / 1e7,
            lon=int(msg.lon) / 1e7,
            alt_m=int(msg.relative_alt) / 1000.0,
            heading_deg=heading,
            speed_mps=speed,
            battery_pct=st.battery_pct,
            camera_pitch_deg=st.camera_pitch_deg,
            source=self.source,
        )


def encoder(system_id: int, component_id: int = 1) -> Any:
    """A pymavlink MAVLink v2 encoder for a system id (used by tests, the bench and simulators to send telemetry)."""
    mav = mavlink2.MAVLink(None, srcSystem=system_id, srcComponent=component_id)
    mav.robust_parsing = True
    return mav


def encode_fix(mav: Any, fix: TelemetryFix, *, time_boot_ms: int) -> bytes:
    """The MAVLink frames for one fix (GIMBAL_DEVICE_ATTITUDE_STATUS, SYS_STATUS, VFR_HUD, GLOBAL_POSITION_INT, in
    that order, so the position completes the fix), concatenated into one datagram."""
    frames: list[bytes] = []
    pitch = math.radians(fix.camera_pitch_deg if fix.camera_pitch_deg is not None else 0.0)
    q = [math.cos(pitch / 2), 0.0, math.sin(pitch / 2), 0.0]
    frames.append(mav.gimbal_device_attitude_status_encode(0, 0, time_boot_ms, 0, q, 0.0, 0.0, 0.0, 0).pack(mav))
    batt = int(fix.battery_pct) if fix.battery_pct is not None else -1
    frames.append(mav.sys_status_encode(0, 0, 0, 0, 0, -1, batt, 0, 0, 0, 0, 0, 0).pack(mav))
    heading = fix.heading_deg or 0.0
    speed = fix.speed_mps or 0.0
    alt = fix.alt_m or 0.0
    frames.append(mav.vfr_hud_encode(speed, speed, round(heading), 0, alt, 0.0).pack(mav))
    vx = round(speed * 100 * math.cos(math.radians(heading)))
    vy = round(speed * 100 * math.sin(math.radians(heading)))
    frames.append(
        mav.global_position_int_encode(
            time_boot_ms,
            round(fix.lat * 1e7),
            round(fix.lon * 1e7),
            round(alt * 1000),
            round(alt * 1000),
            vx,
            vy,
            0,
            round(heading * 100) % 36000 if fix.heading_deg is not None else 65535,
        ).pack(mav)
    )
    return b"".join(frames)


#: Our commands and the MAVLink commands (MAV_CMD) they are sent as, in a COMMAND_LONG.
MAV_COMMANDS: dict[str, int] = {
    "return_to_dock": mavlink2.MAV_CMD_NAV_RETURN_TO_LAUNCH,  # 20: fly home (the dock) and land there
    "land": mavlink2.MAV_CMD_NAV_LAND,  # 21: land at the current position
}
#: The ground station's MAVLink system id (255, the customary GCS id) and component (MAV_COMP_ID_MISSIONPLANNER).
GCS_SYSTEM_ID = 255
GCS_COMPONENT_ID = 190


def encode_command(command: str, target_system: int, *, target_component: int = 1) -> bytes:
    """One COMMAND_LONG frame (MAVLink v2) asking ``target_system`` to return to launch or land; ``KeyError`` for a
    command MAVLink has no equivalent for."""
    mav = mavlink2.MAVLink(None, srcSystem=GCS_SYSTEM_ID, srcComponent=GCS_COMPONENT_ID)
    msg = mav.command_long_encode(target_system, target_component, MAV_COMMANDS[command], 0, 0, 0, 0, 0, 0, 0, 0)
    return bytes(msg.pack(mav))
