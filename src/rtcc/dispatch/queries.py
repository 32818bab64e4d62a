"""The dispatch tables other domains query directly: calls with their first-step stamps, imported history calls,
assignments and units (the oversight KPIs and contract report), unit status changes (service delivered), priority
rules (before/after a rule change) and shifts with their overtime budgets.

Published as table views (``core.db.published_table``) of the owner's own definitions, so a renamed column breaks
the reader at import; only the columns listed here may be named by another domain. Removing one is a breaking change.
"""

from __future__ import annotations

from rtcc.core.db import published_table
from rtcc.dispatch.interop_models import HistoryCall
from rtcc.dispatch.models import Assignment, Call, OvertimeBudget, PriorityRule, Shift, Unit, UnitStatusChange

_STAMPS = ("received_at", "queued_at", "dispatched_at", "en_route_at", "on_scene_at", "cleared_at", "closed_at")

CALLS = published_table(
    Call.__table__, "id", "call_type", "priority", "source", "status", "district", "queue", "updated_at", *_STAMPS
)
HISTORY_CALLS = published_table(
    HistoryCall.__table__, "id", "origin", "call_type", "call_type_raw", "priority", "source", "beat", "units", *_STAMPS
)
ASSIGNMENTS = published_table(Assignment.__table__, "call_id", "unit_id", "call_sign", "dispatched_at", "on_scene_at")
UNITS = published_table(Unit.__table__, "id", "call_sign", "unit_type")
UNIT_STATUS_LOG = published_table(UnitStatusChange.__table__, "unit_id", "at", "status", "call_id")
PRIORITY_RULES = published_table(
    PriorityRule.__table__, "id", "call_type", "priority", "effective_from", "version", "reason"
)
SHIFTS = published_table(Shift.__table__, "id", "kind", "starts_at", "ends_at", "budget_id", "cost_cents")
OVERTIME_BUDGETS = published_table(
    OvertimeBudget.__table__, "id", "name", "total_cents", "used_cents", "used_minutes", "starts_on", "ends_on"
)
