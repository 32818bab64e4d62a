"""The domain manifests are the one registry: every router, table, CLI group, settings mixin and background job
of the code base is declared in one, and every job runs in some ``rtcc worker`` role (so the production setup runs
everything the embedded profile runs)."""

from __future__ import annotations

import ast
import inspect
from pathlib import Path

import pytest
import typer
from fastapi import APIRouter

import rtcc
from rtcc import app as app_module
from rtcc.core.manifest import load
from rtcc.domains import DOMAIN_PACKAGES, manifests, services, worker_roles
from rtcc.models_registry import INFRASTRUCTURE_MODELS
from rtcc.settings import Settings
from rtcc.workers.run import hooks_for

SRC = Path(rtcc.__file__).parent


def _domain_dirs() -> list[Path]:
    return sorted(p for p in SRC.iterdir() if p.is_dir() and (p / "__init__.py").exists())


def test_every_domain_package_with_a_manifest_is_listed() -> None:
    with_manifest = {p.name for p in _domain_dirs() if (p / "manifest.py").exists()} - {"core"}
    assert with_manifest == set(DOMAIN_PACKAGES)


def test_every_reference_loads_with_the_right_kind() -> None:
    for m in manifests():
        if m.router:
            assert isinstance(load(m.router), APIRouter), m.router
        for group in m.cli:
            assert isinstance(load(group.app), typer.Typer), group.app
        for s in m.services:
            assert inspect.iscoroutinefunction(load(s.start)), s.start
            assert inspect.iscoroutinefunction(load(s.stop)), s.stop
        if m.settings:
            assert isinstance(load(m.settings), type), m.settings


def test_every_models_module_and_router_is_in_a_manifest() -> None:
    models = {m.models for m in manifests() if m.models} | set(INFRASTRUCTURE_MODELS)
    routers = {m.router for m in manifests() if m.router}
    for d in _domain_dirs():
        if d.name == "demo":
            continue
        if (d / "models.py").exists():
            assert f"rtcc.{d.name}.models" in models, f"{d.name}/models.py is in no manifest"
        if (d / "routes.py").exists():
            assert f"rtcc.{d.name}.routes:router" in routers, f"{d.name}/routes.py is in no manifest"


def _top_level_typers(path: Path) -> list[str]:
    """Module-level ``typer.Typer()`` groups that are not mounted under another group of the same module."""
    tree = ast.parse(path.read_text())
    names = []
    for node in tree.body:
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Call):
            func = node.value.func
            if isinstance(func, ast.Attribute) and func.attr == "Typer":
                names += [t.id for t in node.targets if isinstance(t, ast.Name)]
    nested = {
        arg.id
        for node in ast.walk(tree)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "add_typer"
        for arg in node.args[:1]
        if isinstance(arg, ast.Name)
    }
    return [n for n in names if n not in nested]


def test_every_cli_group_is_mounted() -> None:
    mounted = {g.app for m in manifests() for g in m.cli}
    for d in _domain_dirs():
        cli = d / "cli.py"
        if d.name == "demo" or not cli.exists():
            continue
        for name in _top_level_typers(cli):
            assert f"rtcc.{d.name}.cli:{name}" in mounted, f"rtcc.{d.name}.cli:{name} is in no manifest"


def _hook_functions(path: Path) -> list[str]:
    """Public ``async def start*/stop*(runtime)`` functions of a jobs/consumers module."""
    out = []
    for node in ast.parse(path.read_text()).body:
        if isinstance(node, ast.AsyncFunctionDef) and node.name.startswith(("start", "stop")):
            out.append(node.name)
    return out


def test_every_job_and_consumer_belongs_to_a_worker_role() -> None:
    declared = {s.start: s for s in services()} | {s.stop: s for s in services()}
    found = 0
    for d in _domain_dirs():
        if d.name == "demo":
            continue
        for name in ("jobs.py", "consumers.py"):
            path = d / name
            if not path.exists():
                continue
            for fn in _hook_functions(path):
                ref = f"rtcc.{d.name}.{path.stem}:{fn}"
                assert ref in declared, f"{ref} is in no manifest"
                assert declared[ref].role in worker_roles(), f"{ref} runs in no worker role"
                found += 1
    assert found >= 10


def test_the_hotlist_refresh_runs_in_the_jobs_worker(settings: Settings) -> None:
    from rtcc.hotlists import jobs as hotlist_jobs

    starts = [start for start, _ in hooks_for("jobs", settings)]
    assert hotlist_jobs.start_refresh in starts


def test_the_outbox_and_its_delivery_job_are_the_notify_domains(settings: Settings) -> None:
    """One notification domain: notify declares the outbox table and the delivery loop, which ``rtcc worker outbox``
    runs; community declares neither (its only job installs the city profile's neighborhoods)."""
    from rtcc.community import jobs as community_jobs
    from rtcc.notify import jobs as notify_jobs
    from rtcc.notify.models import OutboxMessage

    by_name = {m.name: m for m in manifests()}
    delivery = [s for s in by_name["notify"].services if s.start == "rtcc.notify.jobs:start"]
    assert [(s.stop, s.role) for s in delivery] == [("rtcc.notify.jobs:stop", "outbox")]
    assert by_name["notify"].models == OutboxMessage.__module__ == "rtcc.notify.models"
    assert [s.start for s in by_name["community"].services] == ["rtcc.community.jobs:start"]
    assert hooks_for("outbox", settings) == [(notify_jobs.start, notify_jobs.stop)]
    assert (community_jobs.start, community_jobs.stop) in hooks_for("jobs", settings)


def test_every_embedded_service_runs_in_some_worker_role(settings: Settings) -> None:
    """What one process runs in the embedded profile is exactly what the worker roles run between them."""
    embedded = {start for start, _ in app_module._startup_hooks(settings.model_copy(update={"mqtt_url": "mqtt://x"}))}
    per_role = {
        start
        for role in worker_roles()
        for start, _ in hooks_for(role, settings.model_copy(update={"mqtt_url": "mqtt://x"}))
    }
    always = {load(s.start) for s in services() if s.role is None}
    assert embedded == per_role | always


def test_a_role_refuses_to_start_without_its_required_setting(settings: Settings) -> None:
    with pytest.raises(ValueError, match="RTCC_MQTT_URL"):
        hooks_for("ingest", settings.model_copy(update={"mqtt_url": None}))
    with pytest.raises(ValueError, match="unknown worker role"):
        hooks_for("nope", settings)


def test_settings_mix_in_every_domain_settings_class() -> None:
    declared = {m.settings for m in manifests() if m.settings}
    for m in manifests():
        if m.settings:
            assert issubclass(Settings, load(m.settings)), f"Settings does not mix in {m.settings}"
    for d in _domain_dirs():
        config = d / "config.py"
        if d.name in ("demo", "core") or not config.exists():
            continue
        classes = [n.name for n in ast.parse(config.read_text()).body if isinstance(n, ast.ClassDef)]
        for name in classes:
            if name.endswith("Settings"):
                assert f"rtcc.{d.name}.config:{name}" in declared, f"rtcc.{d.name}.config:{name} is in no manifest"
