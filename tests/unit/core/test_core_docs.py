"""Docs live with code: every setting and every CLI command is described, every module has a docstring."""

from __future__ import annotations

import ast
from pathlib import Path

import typer.main

from rtcc import cli
from rtcc.settings import Settings

SRC = Path(__file__).resolve().parents[3] / "src" / "rtcc"


def test_every_setting_is_described() -> None:
    undocumented = [name for name, f in Settings.model_fields.items() if not (f.description or "").strip()]
    assert not undocumented, f"settings without a description: {undocumented}"


def test_every_cli_command_has_help() -> None:
    cli._register_domains()
    root = typer.main.get_command(cli.app)
    missing: list[str] = []

    def walk(cmd: object, path: str) -> None:
        help_text = getattr(cmd, "help", None) or getattr(cmd, "short_help", None)
        if not help_text:
            missing.append(path)
        for name, sub in getattr(cmd, "commands", {}).items():
            walk(sub, f"{path} {name}")

    walk(root, "rtcc")
    assert not missing, f"commands without help: {missing}"


def test_every_module_has_a_docstring() -> None:
    missing = []
    for path in SRC.rglob("*.py"):
        if "migrations/versions" in str(path):
            continue
        tree = ast.parse(path.read_text())
        if not ast.get_docstring(tree) and path.name != "__main__.py":
            missing.append(str(path.relative_to(SRC)))
    assert not missing, f"modules without a docstring: {missing}"
