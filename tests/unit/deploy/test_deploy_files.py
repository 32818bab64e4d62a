"""The deployment files a city installs (deploy/): each is checked by the tool that will read it, where this machine
has that tool (skipped otherwise, naming it; under ``RTCC_REQUIRE_SERVICES=1``, CI, a missing tool fails instead),
and against the application (commands, roles, settings).

- deploy/compose.yaml: ``docker-compose config`` (Debian's docker-compose validates against the Compose schema without a
  Docker daemon), plus the topology: three NATS nodes, two API processes behind HAProxy, every worker role real.
- deploy/haproxy/haproxy.cfg: ``haproxy -c``; its API servers are the compose file's.
- deploy/nats/cluster.conf with each deploy/nats/nats-N.env: ``nats-server -t``.
- deploy/systemd/*: ``systemd-analyze verify`` (the venv's ``rtcc`` standing in for /opt/rtcc/venv/bin/rtcc), and
  each ``rtcc`` command line parses with the real CLI.
The three-node topology itself is run, from these same nats and haproxy files, by
tests/integration/deploy/test_cluster_failover.py.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from rtcc.domains import worker_roles
from rtcc.settings import Settings

DEPLOY = Path(__file__).resolve().parents[3] / "deploy"
RTCC_IN_UNITS = "/opt/rtcc/venv/bin/rtcc"
PACKAGES = {"docker-compose": "docker-compose", "haproxy": "haproxy", "nats-server": "nats-server",
            "systemd-analyze": "systemd"}  # fmt: skip


def _tool(name: str) -> str:
    path = shutil.which(name) or (f"/usr/sbin/{name}" if Path(f"/usr/sbin/{name}").exists() else None)
    if path is None:
        reason = f"{name} is not installed on this machine (Debian package: {PACKAGES[name]})"
        if os.environ.get("RTCC_REQUIRE_SERVICES") == "1":
            pytest.fail(f"{reason}; it is required under RTCC_REQUIRE_SERVICES=1")
        pytest.skip(f"{reason}; the check it makes did not run")
    return path


def _compose() -> dict[str, Any]:
    data = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    assert isinstance(data, dict)
    return data


def _settings() -> set[str]:
    return {f"RTCC_{f.upper()}" for f in Settings.model_fields}


def _env_file(path: Path) -> dict[str, str]:
    pairs = (line.split("=", 1) for line in path.read_text().splitlines() if line and not line.startswith("#"))
    return {k.strip(): v.strip() for k, v in pairs}


def test_compose_file_is_the_documented_topology() -> None:
    services = _compose()["services"]
    assert {"postgres", "nats-1", "nats-2", "nats-3", "migrate", "api-1", "api-2", "haproxy"} <= set(services)
    rtcc = {n: s for n, s in services.items() if s.get("image", "").startswith("openrtcc:")}
    roles = set(worker_roles())
    for name, service in rtcc.items():
        env = service["environment"]
        assert env["RTCC_BUS_REPLICAS"] == "3", name
        assert env["RTCC_BUS_URL"] == "nats://nats-1:4222,nats://nats-2:4222,nats://nats-3:4222", name
        assert env["RTCC_RUN_CONSUMERS"] == "false", name
        assert set(env) - {"FORWARDED_ALLOW_IPS"} <= _settings(), f"{name}: unknown setting"
        command = service["command"]
        if command[0] == "worker":
            assert command[1] in roles, f"{name}: no worker role {command[1]!r}"
    workers = [s["command"][1] for s in rtcc.values() if s["command"][0] == "worker"]
    assert workers.count("jobs") == 1 and "match" in workers
    assert [s["command"][0] for n, s in rtcc.items() if n.startswith("api-")] == ["serve", "serve"]
    for name in ("nats-1", "nats-2", "nats-3"):
        assert services[name]["environment"]["NATS_SERVER_NAME"] == name
        assert "./nats/cluster.conf:/etc/nats/cluster.conf:ro" in services[name]["volumes"]
    proxy = services["haproxy"]["environment"]
    assert [proxy["RTCC_API_1"], proxy["RTCC_API_2"]] == ["api-1:8000", "api-2:8000"]
    for mount in (v.split(":")[0] for s in services.values() for v in s.get("volumes", [])):
        if mount.startswith("."):
            assert (DEPLOY / mount).exists(), mount
    assert (DEPLOY / "Dockerfile").exists()


def test_compose_file_passes_docker_compose_config(tmp_path: Path) -> None:
    binary = _tool("docker-compose")
    env = {**os.environ, "POSTGRES_PASSWORD": "checked-only", "DOCKER_HOST": f"unix://{tmp_path}/none.sock"}
    done = subprocess.run(
        [binary, "--project-directory", str(DEPLOY), "-f", str(DEPLOY / "compose.yaml"), "config", "-q"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    missing = subprocess.run(
        [binary, "-f", str(DEPLOY / "compose.yaml"), "config", "-q"],
        env={k: v for k, v in env.items() if k != "POSTGRES_PASSWORD"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert missing.returncode != 0 and "POSTGRES_PASSWORD" in missing.stderr


def test_haproxy_config_is_valid_and_fronts_every_api_process() -> None:
    binary = _tool("haproxy")
    cfg = DEPLOY / "haproxy" / "haproxy.cfg"
    for env in ({}, _env_file(DEPLOY / "haproxy" / "default.env")):
        done = subprocess.run(
            [binary, "-c", "-f", str(cfg)], env={**os.environ, **env}, capture_output=True, text=True, timeout=30
        )
        assert done.returncode == 0, done.stdout + done.stderr
    servers = re.findall(r'^\s*server (api-\d) "\$\{(RTCC_API_\d)-', cfg.read_text(), re.M)
    assert servers == [("api-1", "RTCC_API_1"), ("api-2", "RTCC_API_2")]
    assert "option httpchk GET /readyz" in cfg.read_text()


@pytest.mark.parametrize("node", [1, 2, 3])
def test_nats_cluster_config_is_valid_for_each_node(node: int, tmp_path: Path) -> None:
    binary = _tool("nats-server")
    env = _env_file(DEPLOY / "nats" / f"nats-{node}.env")
    assert env["NATS_SERVER_NAME"] == f"nats-{node}"
    assert [env[f"NATS_ROUTE_{i}"] for i in (1, 2, 3)] == [f"nats://nats-{i}.internal:6222" for i in (1, 2, 3)]
    env["NATS_STORE_DIR"] = str(tmp_path)
    done = subprocess.run(
        [binary, "-t", "-c", str(DEPLOY / "nats" / "cluster.conf")],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert done.returncode == 0 and "is valid" in done.stdout + done.stderr, done.stdout + done.stderr


UNITS = ["rtcc-api@8001.service", "rtcc-worker@match-2.service", "rtcc-migrate.service", "rtcc-onebox.service",
         "rtcc-demo.service", "rtcc-nats.service", "rtcc.target"]  # fmt: skip


def test_systemd_units_verify(tmp_path: Path) -> None:
    binary = _tool("systemd-analyze")
    rtcc = Path(sys.executable).with_name("rtcc")
    if not rtcc.exists():
        pytest.skip(f"no rtcc console script beside {sys.executable}")
    for unit in (DEPLOY / "systemd").glob("rtcc*.*"):
        if unit.suffix in (".service", ".target"):
            (tmp_path / unit.name).write_text(unit.read_text().replace(RTCC_IN_UNITS, str(rtcc)))
    units = UNITS if shutil.which("nats-server") else [u for u in UNITS if u != "rtcc-nats.service"]
    done = subprocess.run(
        [binary, "verify", "--man=no", *(f"./{u}" for u in units)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_systemd_units_run_real_commands() -> None:
    from typer.testing import CliRunner

    from rtcc.cli import app  # the root commands (serve, demo, worker, db); the units use no domain's group

    runner = CliRunner()
    seen = 0
    for unit in (DEPLOY / "systemd").glob("*.service"):
        for line in unit.read_text().splitlines():
            if not line.startswith("ExecStart=") or RTCC_IN_UNITS not in line:
                continue
            args = line.split(RTCC_IN_UNITS, 1)[1].replace("%i", "8001").split()
            if args[0] == "worker":  # the role comes from the instance name: rtcc-worker@match-2 -> match
                assert line.endswith("' rtcc-worker %i") and '"$${1%%%%-*}"' in line, line
                continue
            result = runner.invoke(app, [*args, "--help"])
            assert result.exit_code == 0, f"{unit.name}: rtcc {' '.join(args)}: {result.output}"
            seen += 1
    assert seen >= 4
    example = _env_file(DEPLOY / "systemd" / "rtcc.env.example")
    assert set(example) - {"FORWARDED_ALLOW_IPS"} <= _settings()  # uvicorn's: the proxy whose header it trusts
    assert example["RTCC_BUS_REPLICAS"] == "3" and example["RTCC_BUS_URL"].count("nats://") == 3
