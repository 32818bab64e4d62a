"""Imports every domain's ``models`` module (named by its manifest) so that ``Base.metadata`` knows all tables
(migrations, tests)."""

from __future__ import annotations

import importlib

from rtcc.domains import manifests

#: Tables of the platform's own plumbing, not of a domain: the transactional event outbox.
INFRASTRUCTURE_MODELS = ("rtcc.bus.models",)


def model_modules() -> list[str]:
    """The models modules of the plumbing, then of every domain that has tables, in manifest order."""
    return [*INFRASTRUCTURE_MODELS, *(m.models for m in manifests() if m.models)]


def import_all_models() -> None:
    """Import each models module once."""
    for name in model_modules():
        importlib.import_module(name)
