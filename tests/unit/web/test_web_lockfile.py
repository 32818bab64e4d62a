"""The web lock file is complete, so ``make setup`` (``npm install``) leaves it as committed: every optional
dependency of every locked package has its own entry (npm adds the missing ones, rewriting the tracked file), and the
API docs page's Swagger UI is pinned."""

from __future__ import annotations

import json
from pathlib import Path

LOCK = Path(__file__).resolve().parents[3] / "web" / "package-lock.json"


def test_every_optional_dependency_is_locked() -> None:
    packages = json.loads(LOCK.read_text(encoding="utf-8"))["packages"]
    missing = sorted(
        f"{name} -> {dep}"
        for name, pkg in packages.items()
        for dep in pkg.get("optionalDependencies", {})
        if f"node_modules/{dep}" not in packages and f"{name}/node_modules/{dep}" not in packages
    )
    assert missing == []


def test_swagger_ui_is_pinned_for_the_offline_docs() -> None:
    packages = json.loads(LOCK.read_text(encoding="utf-8"))["packages"]
    assert packages["node_modules/swagger-ui-dist"]["version"].startswith("5.")
