"""ALPR sensor principals: who the trusted channels and a replay store reads as.

An API key reports for the cameras in its scope. The channels trusted by configuration (the MQTT consumer, the CLI
file import, the demo and the benchmarks) store reads as a sensor principal with ``*`` scope, which also lets them
register unknown cameras (``rtcc.alpr.cameras.may_register_cameras``). A person replaying a dead letter stores it as
themselves, for any camera: they decided to replay it.
"""

from __future__ import annotations

from rtcc.identity.logic import SENSOR_PERMISSIONS, Perm, Principal


def ingest_principal(name: str) -> Principal:
    """A sensor principal with ``*`` camera scope for trusted channels (the MQTT consumer, CLI file import)."""
    return Principal(
        kind="apikey", id=name, name=name, role="system", permissions=SENSOR_PERMISSIONS, camera_codes=frozenset({"*"})
    )


def replay_principal(actor: Principal) -> Principal:
    """The person replaying a dead letter, allowed to store it for any camera (they decided to replay it)."""
    return Principal(
        kind="user",
        id=actor.id,
        name=actor.name,
        role=actor.role,
        permissions=actor.permissions | {Perm.reads_write},
        camera_codes=frozenset({"*"}),
    )
