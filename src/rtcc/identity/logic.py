"""Pure identity rules: roles, the permissions each role holds, and the principal a request acts as.

Permissions are ``<resource>:<verb>`` strings. A route declares exactly one; a principal holds a set. Officers see
only alerts a person has verified (``alerts:read_verified``): an unverified hit must never reach the field.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class Role(StrEnum):
    admin = "admin"
    supervisor = "supervisor"
    analyst = "analyst"
    dispatcher = "dispatcher"
    officer = "officer"
    auditor = "auditor"


class Perm(StrEnum):
    """Every permission a route can require."""

    alerts_read = "alerts:read"  # the whole queue, including unverified hits
    alerts_read_verified = "alerts:read_verified"  # only verified/dispatched alerts (field units)
    alerts_verify = "alerts:verify"
    alerts_dispatch = "alerts:dispatch"
    alerts_close = "alerts:close"
    reads_read = "reads:read"
    reads_write = "reads:write"
    cameras_read = "cameras:read"
    cameras_write = "cameras:write"
    cameras_heartbeat = "cameras:heartbeat"
    hotlists_read = "hotlists:read"
    hotlists_write = "hotlists:write"
    deadletters_read = "deadletters:read"
    deadletters_replay = "deadletters:replay"
    users_admin = "users:admin"
    apikeys_admin = "apikeys:admin"
    audit_read = "audit:read"
    audit_verify = "audit:verify"
    live_read = "live:read"
    self_read = "self:read"


_ANALYST = {
    Perm.alerts_read,
    Perm.alerts_read_verified,
    Perm.alerts_verify,
    Perm.reads_read,
    Perm.cameras_read,
    Perm.hotlists_read,
    Perm.deadletters_read,
    Perm.live_read,
    Perm.self_read,
}

ROLE_PERMISSIONS: dict[Role, frozenset[Perm]] = {
    Role.admin: frozenset(Perm),
    Role.supervisor: frozenset(
        _ANALYST
        | {
            Perm.alerts_dispatch,
            Perm.alerts_close,
            Perm.hotlists_write,
            Perm.cameras_write,
            Perm.deadletters_replay,
            Perm.audit_read,
        }
    ),
    Role.analyst: frozenset(_ANALYST | {Perm.alerts_dispatch, Perm.alerts_close}),
    Role.dispatcher: frozenset(
        {
            Perm.alerts_read,
            Perm.alerts_read_verified,
            Perm.alerts_dispatch,
            Perm.alerts_close,
            Perm.cameras_read,
            Perm.live_read,
            Perm.self_read,
        }
    ),
    Role.officer: frozenset(
        {Perm.alerts_read_verified, Perm.alerts_close, Perm.cameras_read, Perm.live_read, Perm.self_read}
    ),
    Role.auditor: frozenset(
        {
            Perm.audit_read,
            Perm.audit_verify,
            Perm.alerts_read,
            Perm.alerts_read_verified,
            Perm.hotlists_read,
            Perm.deadletters_read,
            Perm.self_read,
        }
    ),
}

#: What a sensor API key may do; its ``camera_codes`` further limit which cameras it reports for.
SENSOR_PERMISSIONS: frozenset[Perm] = frozenset({Perm.reads_write, Perm.cameras_heartbeat})


@dataclass(frozen=True)
class Principal:
    """Who a request acts as: a signed-in user or a sensor's API key."""

    kind: str  # "user" | "apikey"
    id: str
    name: str
    role: str
    permissions: frozenset[Perm]
    unit: str | None = None
    division: str | None = None
    camera_codes: frozenset[str] = field(default_factory=frozenset)

    @property
    def audit_name(self) -> str:
        """The name written into the audit log (``apikey:<name>`` for sensors)."""
        return self.name if self.kind == "user" else f"apikey:{self.name}"

    def can(self, perm: Perm) -> bool:
        """True when the principal holds ``perm``."""
        return perm in self.permissions

    def may_report_for(self, camera_code: str) -> bool:
        """True when this principal may submit data for ``camera_code`` (users with reads:write may for any)."""
        if self.kind == "user":
            return self.can(Perm.reads_write)
        return "*" in self.camera_codes or camera_code in self.camera_codes


SYSTEM = Principal(kind="user", id="system", name="system", role="system", permissions=frozenset(Perm))


def permissions_for(role: str) -> frozenset[Perm]:
    """The permissions of a role name (empty for an unknown role: deny by default)."""
    try:
        return ROLE_PERMISSIONS[Role(role)]
    except ValueError:
        return frozenset()
