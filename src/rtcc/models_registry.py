"""Imports every domain's ``models`` module so that ``Base.metadata`` knows all tables (migrations, tests)."""

from __future__ import annotations

import importlib

MODEL_MODULES = (
    "rtcc.bus.models",
    "rtcc.identity.models",
    "rtcc.audit.models",
    "rtcc.alpr.models",
    "rtcc.hotlists.models",
    "rtcc.matching.models",
    "rtcc.alerts.models",
    "rtcc.live.models",
    "rtcc.investigations.models",
    "rtcc.governance.models",
    "rtcc.retention.models",
    "rtcc.cameras.models",
    "rtcc.footage.models",
    "rtcc.community.models",
    "rtcc.rebates.models",
)


def import_all_models() -> None:
    """Import each models module once."""
    for name in MODEL_MODULES:
        importlib.import_module(name)
