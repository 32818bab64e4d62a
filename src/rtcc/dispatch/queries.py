"""The dispatch tables other domains query directly (analytics counts calls by type, place and time for hotspot
forecasts and drone-dock placement). Published views (``core.db.published_table``): only these columns, with the
owner's types; removing one is a breaking change for the domains that read them."""

from __future__ import annotations

from rtcc.core.db import published_table
from rtcc.dispatch.interop_models import HistoryCall
from rtcc.dispatch.models import Call

CALLS = published_table(Call.__table__, "id", "call_type", "priority_rank", "received_at", "lat", "lon", "duplicate_of")
HISTORY_CALLS = published_table(HistoryCall.__table__, "id", "call_type", "priority", "received_at", "lat", "lon")
