"""Pure identity rules: roles, the permissions each role holds, and the principal a request acts as.

Permissions are ``<resource>:<verb>`` strings. A route declares exactly one; a principal holds a set. Officers see
only alerts a person has verified (``alerts:read_verified``): an unverified hit must never reach the field.

Staff roles (law enforcement and city staff) and community roles (residents and businesses, who sign up themselves)
never overlap: a community account holds only ``community:self``, so it reaches no internal route. Other agencies
reach us only through an API key scoped ``agency`` (``sharing:request``), checked against the sharing policy.
"""

from __future__ import annotations

import getpass
import uuid
from dataclasses import dataclass, field
from enum import StrEnum


class Role(StrEnum):
    admin = "admin"
    supervisor = "supervisor"  # of one division (the user's); rtcc_supervisor for the whole RTCC
    analyst = "analyst"  # of one division (the user's); rtcc_analyst for the whole RTCC
    rtcc_supervisor = "rtcc_supervisor"  # a supervisor's permissions over every division (divisions:all)
    rtcc_analyst = "rtcc_analyst"  # an analyst's permissions over every division (divisions:all)
    dispatcher = "dispatcher"
    officer = "officer"  # a sworn deputy in the field
    cso = "cso"  # a Community Services Officer (non-sworn: reports, fingerprinting, focused patrol)
    guard = "guard"  # a private security guard on contract patrol (observe and report only)
    auditor = "auditor"
    program_staff = "program_staff"  # city staff who run the community programs (tips, rebates, watch groups)
    pilot = "pilot"  # a remote pilot of the drone program (accepts or declines launch requests)
    contract_viewer = "contract_viewer"  # Sheriff's station and city staff: the contract oversight view, read-only
    ops = "ops"  # operations staff: the Prometheus metrics and the API documentation, no case data
    resident = "resident"  # community account: a household
    business = "business"  # community account: a business


#: Roles a person can give themselves by signing up on the community portal.
COMMUNITY_ROLES: frozenset[Role] = frozenset({Role.resident, Role.business})
#: Roles only an administrator can grant.
STAFF_ROLES: frozenset[Role] = frozenset(set(Role) - COMMUNITY_ROLES)


class Perm(StrEnum):
    """Every permission a route can require."""

    alerts_read = "alerts:read"  # the whole queue, including unverified hits
    alerts_read_verified = "alerts:read_verified"  # only verified/dispatched alerts (field units)
    alerts_verify = "alerts:verify"
    alerts_dispatch = "alerts:dispatch"
    alerts_close = "alerts:close"
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
    # investigations and governance (issue 3)
    search_run = "search:run"  # plate search, vehicle history, stakeout, common plates, co-travel (purpose required)
    reads_export = "reads:export"  # export search results / reads
    audit_export = "audit:export"
    misuse_read = "misuse:read"
    misuse_resolve = "misuse:resolve"
    purposes_admin = "purposes:admin"
    retention_read = "retention:read"
    retention_run = "retention:run"
    holds_request = "holds:request"
    holds_approve = "holds:approve"
    sharing_read = "sharing:read"
    sharing_admin = "sharing:admin"
    sharing_request = "sharing:request"  # another agency's API key asking for data
    # camera registry, canvass, footage (issue 4)
    registry_read = "registry:read"
    registry_write = "registry:write"
    # owners' names, contact details, addresses and exact coordinates of resident/business cameras (issue 15)
    registry_contact = "registry:contact"
    # open a live-linked camera's stream for an open alert or call one may see, or a case on record (law enforcement)
    liveview_open = "liveview:open"
    canvass_run = "canvass:run"
    footage_request = "footage:request"
    footage_read = "footage:read"
    evidence_export = "evidence:export"
    # community programs (issue 4)
    community_self = "community:self"  # a resident/business acting on their own account, cameras, tips, rebates
    community_admin = "community:admin"  # watch groups, public alerts to subscribers
    tips_triage = "tips:triage"
    rebates_review = "rebates:review"
    rebates_report = "rebates:report"
    # road network and travel times (dispatch issue)
    routing_read = "routing:read"  # the active road network, ETAs and directions
    # calls for service and dispatch (issue 11); field roles are further scoped to their unit's calls in the service
    calls_read = "calls:read"  # calls a principal may see: all (calls:read_all) or their unit's and their area's
    calls_read_all = "calls:read_all"  # scope, not a route: every call and every unit's live topic
    calls_read_area = "calls:read_area"  # scope, not a route: the open calls of the user's area (deputies)
    calls_create = "calls:create"  # call intake (call takers, officer-initiated, RTCC-initiated)
    calls_update = "calls:update"  # status steps and notes (field roles: on their own assignments)
    calls_dispatch = "calls:dispatch"  # recommend, assign, link duplicates, close, reopen, any unit's status
    callers_read = "callers:read"  # a caller's name and callback number (personal data; every read audited)
    priorities_write = "priorities:write"  # add an effective-dated priority rule
    premises_read = "premises:read"
    premises_write = "premises:write"
    units_read = "units:read"  # units, their status and positions, shifts and rosters
    units_admin = "units:admin"  # create units, shifts, rosters and overtime budgets
    units_status = "units:status"  # set a unit's status (field roles: their own unit)
    positions_write = "positions:write"  # report a unit's position (field roles: their own unit)
    dispatch_self = "dispatch:self"  # a field user's own unit and calls ("my call")
    # alarm companies (issue 11): only an alarm company's API key holds alarms:write, for its own events
    alarms_write = "alarms:write"  # send alarm events and cancels (an alarm company's key, never a person)
    alarms_admin = "alarms:admin"  # register alarm companies and change them
    alarm_context = "alarms:context"  # ALPR reads and cameras near an alarm call (purpose alarm_response, audited)
    # drones as first responders (issue 12)
    drones_read = "drones:read"  # the fleet, the launch policy and its zones, launch decisions and requests
    drones_request = "drones:request"  # record a launch decision for a call and request a launch from the pilots
    drones_pilot = "drones:pilot"  # accept or decline a launch request (a certified remote pilot)
    drones_override = "drones:override"  # override a refusal the policy allows to be overridden (audited, with reason)
    drones_admin = "drones:admin"  # dock and drone status, dock weather, pilots' certificates; footage as evidence
    drones_telemetry = "drones:telemetry"  # send drone telemetry over HTTP (a dock gateway's key or a pilot station)
    # patrol plans, near repeats, house checks (issue 14)
    patrol_read = "patrol:read"  # near-repeat alerts, patrol plans, the dose report, house checks due (audited)
    patrol_plan = "patrol:plan"  # make patrol plans for units
    # the what-if simulator (issue 13)
    simulator_read = "simulator:read"  # scenario and backtest runs and their results
    simulator_run = "simulator:run"  # start a scenario run or a backtest
    # analytics (issue 14): hotspot forecasts with their backtests, placement proposals
    analytics_read = "analytics:read"  # stored forecasts and placement proposals (audited)
    analytics_run = "analytics:run"  # recompute forecasts on demand
    # contract oversight (issue 13): response-time KPIs, the contract, the council reports
    oversight_read = "oversight:read"  # KPIs, before/after of rule changes, the contract, filed reports (audited)
    oversight_admin = "oversight:admin"  # import a contract version, generate a council report
    # divisions and agencies (issue 15): scope, not a route; without it a user sees their own division only
    divisions_all = "divisions:all"  # every division's cameras, reads, alerts, calls, units and users
    # operations (issue 15): what a public endpoint used to give anyone
    ops_metrics = "ops:metrics"  # /metrics (a Prometheus scraper's monitoring API key, ops staff, admins)
    api_docs = "api:docs"  # /docs and /openapi.json: the API's whole surface is a map for an attacker


_ANALYST = {
    Perm.alerts_read,
    Perm.alerts_read_verified,
    Perm.alerts_verify,
    Perm.cameras_read,
    Perm.hotlists_read,
    Perm.deadletters_read,
    Perm.live_read,
    Perm.self_read,
    Perm.search_run,
    Perm.reads_export,
    Perm.holds_request,
    Perm.registry_read,
    Perm.canvass_run,
    Perm.footage_request,
    Perm.footage_read,
    Perm.evidence_export,
    Perm.tips_triage,
    Perm.retention_read,
    Perm.sharing_read,
    Perm.routing_read,
    Perm.liveview_open,
}

#: What every dispatch field role (deputy, CSO, guard) holds; the service scopes it to the user's own unit.
_FIELD_DISPATCH = {
    Perm.calls_read,
    Perm.calls_update,
    Perm.units_status,
    Perm.positions_write,
    Perm.dispatch_self,
    Perm.live_read,
    Perm.routing_read,  # directions and ETA to the unit's own call
    Perm.self_read,
}
#: Seeing and running dispatch: call takers, dispatchers, supervisors.
_DISPATCH_DESK = {
    Perm.calls_read,
    Perm.calls_read_all,
    Perm.calls_create,
    Perm.calls_update,
    Perm.calls_dispatch,
    Perm.callers_read,
    Perm.premises_read,
    Perm.premises_write,
    Perm.units_read,
    Perm.units_status,
    Perm.positions_write,
}

#: What a community (resident/business) account holds: its own data and nothing internal.
COMMUNITY_PERMISSIONS: frozenset[Perm] = frozenset({Perm.community_self})

ROLE_PERMISSIONS: dict[Role, frozenset[Perm]] = {
    Role.admin: frozenset(set(Perm) - {Perm.community_self, Perm.sharing_request, Perm.alarms_write}),
    Role.supervisor: frozenset(
        _ANALYST
        | {
            Perm.alerts_dispatch,
            Perm.alerts_close,
            Perm.hotlists_write,
            Perm.cameras_write,
            Perm.deadletters_replay,
            Perm.audit_read,
            Perm.holds_approve,
            Perm.registry_write,
            Perm.registry_contact,
            Perm.community_admin,
            Perm.rebates_report,
            Perm.misuse_read,
            Perm.priorities_write,
            Perm.units_admin,
            Perm.alarms_admin,
            Perm.alarm_context,
            Perm.drones_read,
            Perm.drones_request,
            Perm.drones_override,
            Perm.drones_admin,
            Perm.patrol_read,
            Perm.patrol_plan,
            Perm.simulator_read,
            Perm.simulator_run,
            Perm.analytics_read,
            Perm.analytics_run,
            Perm.oversight_read,
            Perm.oversight_admin,
        }
        | _DISPATCH_DESK
    ),
    Role.analyst: frozenset(
        _ANALYST
        | {
            Perm.alerts_dispatch,
            Perm.alerts_close,
            Perm.calls_read,
            Perm.calls_read_all,
            Perm.calls_create,  # RTCC-initiated calls (an ALPR hit, a tip)
            Perm.premises_read,
            Perm.units_read,
            Perm.alarm_context,
            Perm.patrol_read,
            Perm.patrol_plan,
            Perm.simulator_read,
            Perm.simulator_run,
            Perm.analytics_read,
            Perm.analytics_run,
            Perm.oversight_read,
        }
    ),
    Role.dispatcher: frozenset(
        {
            Perm.alerts_read,
            Perm.alerts_read_verified,
            Perm.alerts_dispatch,
            Perm.alerts_close,
            Perm.cameras_read,
            Perm.live_read,
            Perm.self_read,
            Perm.registry_read,
            Perm.liveview_open,
            Perm.canvass_run,
            Perm.routing_read,
            Perm.alarm_context,
            Perm.drones_read,
            Perm.drones_request,
            Perm.patrol_read,
        }
        | _DISPATCH_DESK
    ),
    Role.officer: frozenset(
        {
            Perm.alerts_read_verified,
            Perm.alerts_close,
            Perm.cameras_read,
            Perm.live_read,
            Perm.self_read,
            Perm.registry_read,
            Perm.liveview_open,
            Perm.routing_read,
            Perm.calls_create,  # officer-initiated calls
            Perm.calls_read_area,
            Perm.callers_read,
            Perm.premises_read,
            Perm.units_read,
        }
        | _FIELD_DISPATCH
    ),
    # Non-sworn staff: no ALPR data, no criminal history; a CSO sees the premise and the caller of its own calls.
    Role.cso: frozenset(_FIELD_DISPATCH | {Perm.callers_read, Perm.premises_read, Perm.units_read}),
    # A private guard sees only what is assigned to it.
    Role.guard: frozenset(_FIELD_DISPATCH),
    Role.auditor: frozenset(
        {
            Perm.audit_read,
            Perm.audit_verify,
            Perm.alerts_read,
            Perm.alerts_read_verified,
            Perm.hotlists_read,
            Perm.deadletters_read,
            Perm.self_read,
            Perm.audit_export,
            Perm.misuse_read,
            Perm.misuse_resolve,
            Perm.retention_read,
            Perm.sharing_read,
            Perm.footage_read,
            Perm.rebates_report,
            Perm.drones_read,  # every launch decision, refusal and override
            Perm.oversight_read,
            Perm.divisions_all,  # oversight of the whole agency
        }
    ),
    # The Sheriff's station and city staff sharing the contract oversight view: read-only, every report read audited.
    Role.contract_viewer: frozenset({Perm.self_read, Perm.oversight_read}),
    Role.program_staff: frozenset(
        {
            Perm.self_read,
            Perm.community_admin,
            Perm.tips_triage,
            Perm.rebates_review,
            Perm.rebates_report,
            Perm.registry_read,
            Perm.registry_contact,  # the camera programme's coordinators talk to the owners
        }
    ),
    # A remote pilot: the fleet, the policy and the launch requests; accepts or declines them.
    Role.pilot: frozenset(
        {Perm.drones_read, Perm.drones_pilot, Perm.drones_telemetry, Perm.self_read, Perm.routing_read, Perm.live_read}
    ),
    # Operations staff: the process's metrics and the API description, nothing else.
    Role.ops: frozenset({Perm.self_read, Perm.ops_metrics, Perm.api_docs}),
    Role.resident: COMMUNITY_PERMISSIONS,
    Role.business: COMMUNITY_PERMISSIONS,
}

# The RTCC-wide roles: a divisional role's permissions over every division.
ROLE_PERMISSIONS[Role.rtcc_supervisor] = ROLE_PERMISSIONS[Role.supervisor] | {Perm.divisions_all}
ROLE_PERMISSIONS[Role.rtcc_analyst] = ROLE_PERMISSIONS[Role.analyst] | {Perm.divisions_all}

#: What a sensor API key may do; its ``camera_codes`` further limit which cameras it reports for.
SENSOR_PERMISSIONS: frozenset[Perm] = frozenset({Perm.reads_write, Perm.cameras_heartbeat})
#: What another agency's API key (scope ``agency``) may do: ask for data, which the sharing policy then decides.
AGENCY_PERMISSIONS: frozenset[Perm] = frozenset({Perm.sharing_request})
#: What a monitoring API key (scope ``monitoring``: a Prometheus scraper) may do: read /metrics.
MONITORING_PERMISSIONS: frozenset[Perm] = frozenset({Perm.ops_metrics})
#: What an alarm company's API key (scope ``alarm_company``) may do: send alarm events and cancels for its own events.
ALARM_COMPANY_PERMISSIONS: frozenset[Perm] = frozenset({Perm.alarms_write})


@dataclass(frozen=True)
class Principal:
    """Who a request acts as: a signed-in user or a sensor's API key."""

    kind: str  # "user" | "apikey"
    # for an agency key, ``unit`` holds the agency code (``ApiKey.meta["agency"]``); for an alarm company's key, the
    # company code (``ApiKey.meta["alarm_company"]``)
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

    @property
    def user_uuid(self) -> uuid.UUID | None:
        """The user id of a signed-in user (None for API keys and for principals whose id is not a user's UUID,
        such as the system)."""
        if self.kind != "user":
            return None
        try:
            return uuid.UUID(self.id)
        except ValueError:
            return None

    @property
    def is_community(self) -> bool:
        """True for a resident or business account (community portal)."""
        return self.role in {Role.resident.value, Role.business.value}

    def can(self, perm: Perm) -> bool:
        """True when the principal holds ``perm``."""
        return perm in self.permissions

    def may_report_for(self, camera_code: str) -> bool:
        """True when this principal may submit data for ``camera_code`` (users with reads:write may for any)."""
        if self.kind == "user":
            return self.can(Perm.reads_write)
        return "*" in self.camera_codes or camera_code in self.camera_codes


SYSTEM = Principal(kind="user", id="system", name="system", role="system", permissions=frozenset(Perm))


def cli_operator() -> Principal:
    """The principal of a person running ``rtcc`` on the server: named ``cli:<os user>`` in the audit log, with every
    permission (shell access to the server already is full access; the audit still names who acted)."""
    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        user = "unknown"
    return Principal(kind="user", id="cli", name=f"cli:{user}", role="system", permissions=frozenset(Perm))


def permissions_for(role: str) -> frozenset[Perm]:
    """The permissions of a role name (empty for an unknown role: deny by default)."""
    try:
        return ROLE_PERMISSIONS[Role(role)]
    except ValueError:
        return frozenset()
