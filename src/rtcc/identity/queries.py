"""The identity tables other domains query directly: who the staff users are and their division (the audit log of a
divisional supervisor shows the actions of that division's people). Published through ``core.db.published_table``,
as ``rtcc.alpr.queries`` does, so that no other domain imports ``rtcc.identity.models``."""

from __future__ import annotations

from rtcc.core.db import published_table
from rtcc.identity.models import User

USERS = published_table(User.__table__, "id", "username", "role", "division")
