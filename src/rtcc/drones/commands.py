"""Commands to a drone in flight: the pilot orders it back to its dock (``return_to_dock``) or down where it is
(``land``). Each command is recorded (``drone_commands``: who, when, why), audited (``drone.command``) and sent to
the drone over the channel its telemetry arrives on:

- ``mavlink``: a COMMAND_LONG (MAV_CMD_NAV_RETURN_TO_LAUNCH / MAV_CMD_NAV_LAND) to the address and system id the
  drone's MAVLink telemetry comes from (``rtcc.drones.mavlink_udp``);
- ``mqtt``: the JSON command message on ``<prefix>/drones/<code>/command`` (``rtcc.drones.mqtt``);
- ``simulator``: the demo's simulated drone reads its commands from the record (``pending`` / ``acknowledge``);
- ``none``: no uplink reaches the drone (e.g. its telemetry arrives over HTTP from a gateway that takes no
  commands): the record says so and the pilot relays the command from the ground station.

A send failure is recorded (``send_error``) and does not undo the command's record. The drone's status becomes
``returning`` on ``return_to_dock``. ``issue`` owns its units of work (record, then send after commit, then note
the send); the rest take ``session`` and never commit.
"""

from __future__ import annotations

import logging
import uuid
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from rtcc.audit import service as audit
from rtcc.bus.base import Bus
from rtcc.core.clock import utcnow
from rtcc.core.errors import Conflict, NotFound
from rtcc.drones import flight_repo as repo
from rtcc.drones import mavlink_udp, mqtt
from rtcc.drones.flight_schemas import CommandCreate, CommandRead
from rtcc.drones.models import Drone, DroneCommand
from rtcc.identity.logic import Principal
from rtcc.live import service as live_service
from rtcc.runtime import Runtime

logger = logging.getLogger(__name__)

#: The telemetry source of the demo's simulated drones (``rtcc.demo.drone_flights``).
SIMULATOR_SOURCE = "demo"


def _channel(runtime: Runtime, session: Session, flight_id: uuid.UUID, drone: str) -> str:
    """The channel a command to this drone goes out on (module docstring), in order of preference."""
    listener = runtime.services.get(mavlink_udp.SERVICE_KEY)
    if isinstance(listener, mavlink_udp.MavlinkListener) and listener.reaches(drone):
        return "mavlink"
    sub = runtime.services.get(mqtt.SERVICE_KEY)
    if runtime.settings.drones_command_mqtt and isinstance(sub, mqtt.TelemetrySubscriber) and sub.reaches(drone):
        return "mqtt"
    if repo.last_source(session, flight_id) == SIMULATOR_SOURCE:
        return "simulator"
    return "none"


def _emit(session: Session, bus: Bus | None, cmd: DroneCommand) -> None:
    if bus is not None:
        live_service.emit(
            session,
            bus,
            topic="drones",
            type="drones.command",
            data={"flight_id": str(cmd.flight_id), "drone": cmd.drone_code, "command": cmd.command, "id": str(cmd.id)},
        )


def record(
    session: Session, bus: Bus | None, flight_id: uuid.UUID, data: CommandCreate, *, actor: Principal, channel: str
) -> CommandRead:
    """Record a command to the drone of a flight in the air (audited); Conflict when the flight has landed."""
    flight = repo.get_flight(session, flight_id, lock=True)
    if flight is None:
        raise NotFound(f"no flight {flight_id}")
    if flight.status != repo.IN_FLIGHT:
        raise Conflict(f"flight {flight_id} has landed: there is no drone in the air to command")
    now = utcnow()
    cmd = DroneCommand(
        id=uuid.uuid4(),
        flight_id=flight.id,
        drone_id=flight.drone_id,
        drone_code=flight.drone_code,
        command=data.command,
        reason=data.reason,
        issued_by=actor.audit_name[:128],
        issued_at=now,
        channel=channel,
        sent_at=now if channel == "simulator" else None,  # the simulated drone reads the record itself
    )
    session.add(cmd)
    if data.command == "return_to_dock":
        drone = session.get(Drone, flight.drone_id, with_for_update=True)
        if drone is not None:
            drone.status, drone.status_at = "returning", now
    session.flush()
    audit.record(
        session,
        actor=actor.audit_name,
        actor_role=actor.role,
        action="drone.command",
        target_type="drone_flight",
        target_id=str(flight.id),
        details={"drone": flight.drone_code, "command": data.command, "channel": channel, "reason": data.reason},
    )
    _emit(session, bus, cmd)
    return CommandRead.model_validate(cmd)


def _send(runtime: Runtime, cmd: CommandRead) -> None:
    if cmd.channel == "mavlink":
        listener = runtime.services[mavlink_udp.SERVICE_KEY]
        listener.send_command(cmd.drone_code, cmd.command)
    elif cmd.channel == "mqtt":
        sub = runtime.services[mqtt.SERVICE_KEY]
        sub.send_command(
            cmd.drone_code, cmd.command, command_id=str(cmd.id), issued_at=cmd.issued_at.isoformat(), reason=cmd.reason
        )


def issue(runtime: Runtime, flight_id: uuid.UUID, data: CommandCreate, *, actor: Principal) -> CommandRead:
    """Record a command, then send it over the drone's channel and note when it went out (or why it did not)."""
    with runtime.db.uow() as session:
        flight = repo.get_flight(session, flight_id)
        if flight is None:
            raise NotFound(f"no flight {flight_id}")
        channel = _channel(runtime, session, flight.id, flight.drone_code)
        cmd = record(session, runtime.bus, flight_id, data, actor=actor, channel=channel)
    if channel not in ("mavlink", "mqtt"):
        return cmd
    error: str | None = None
    try:
        _send(runtime, cmd)
    except Exception as exc:  # the record stands; the pilot sees why it did not go out
        error = f"{type(exc).__name__}: {exc}"[:500]
        logger.warning("drone command %s to %s not sent: %s", cmd.command, cmd.drone_code, error)
    with runtime.db.uow() as session:
        row = session.get(DroneCommand, cmd.id, with_for_update=True)
        assert row is not None
        if error is None:
            row.sent_at = utcnow()
        row.send_error = error
        session.flush()
        return CommandRead.model_validate(row)


def of_flight(session: Session, flight_id: uuid.UUID) -> list[CommandRead]:
    """A flight's commands, oldest first."""
    q = select(DroneCommand).where(DroneCommand.flight_id == flight_id).order_by(DroneCommand.issued_at)
    return [CommandRead.model_validate(c) for c in session.scalars(q)]


def pending(session: Session, drone: str) -> list[CommandRead]:
    """Commands to a drone not yet acknowledged, oldest first (what the simulated drone reads)."""
    q = (
        select(DroneCommand)
        .where(DroneCommand.drone_code == drone, DroneCommand.acked_at.is_(None))
        .order_by(DroneCommand.issued_at)
    )
    return [CommandRead.model_validate(c) for c in session.scalars(q)]


def acknowledge(session: Session, command_id: uuid.UUID, *, at: datetime | None = None) -> None:
    """The drone took the command (the simulator, or a gateway's acknowledgement)."""
    row = session.get(DroneCommand, command_id, with_for_update=True)
    if row is None:
        raise NotFound(f"no drone command {command_id}")
    row.acked_at = row.acked_at or at or utcnow()
    session.flush()
