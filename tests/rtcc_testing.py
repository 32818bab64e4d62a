"""Helpers tests import by name (``from rtcc_testing import require_service, shared_data``).

They live here rather than in ``conftest.py`` because several test folders have a ``conftest.py`` of their own, and
``from rtcc_testing import ...`` would pick whichever of them was imported first.
"""

from __future__ import annotations

import os
import socket
import time
from pathlib import Path

import pytest

SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"


def require_service(name: str, host: str, port: int) -> None:
    """Skip (or fail under RTCC_REQUIRE_SERVICES=1) when host:port does not accept a TCP connection."""
    try:
        with socket.create_connection((host, port), timeout=1.0):
            return
    except OSError as exc:
        if os.environ.get("RTCC_REQUIRE_SERVICES") == "1":
            pytest.fail(f"{name} at {host}:{port} is required (RTCC_REQUIRE_SERVICES=1) but unreachable: {exc}")
        pytest.skip(f"{name} at {host}:{port} unreachable")


def shared_data(*parts: str) -> Path:
    """A path under ../shared/data; skips the test when that folder is absent (users' machines)."""
    path = SHARED_DATA.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"shared data not available: {path}")
    return path


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now (for a private server a test starts)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_for_port(port: int, host: str = "127.0.0.1", timeout: float = 30.0) -> None:
    """Wait until host:port accepts a TCP connection (a private server a test started is up)."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            with socket.create_connection((host, port), timeout=0.5):
                return
        except OSError:
            if time.monotonic() > deadline:
                raise TimeoutError(f"nothing listens on {host}:{port} after {timeout:g} s") from None
            time.sleep(0.05)
