"""Imports every domain's ``models`` module (named by its manifest) so that ``Base.metadata`` knows all tables
(migrations, tests)."""

from __future__ import annotations

import importlib

from rtcc.domains import manifests


def model_modules() -> list[str]:
    """The models module of every domain that has tables, in manifest order."""
    return [m.models for m in manifests() if m.models]


def import_all_models() -> None:
    """Import each models module once."""
    for name in model_modules():
        importlib.import_module(name)
