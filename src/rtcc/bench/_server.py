"""What the benchmarks that drive a real server share: a free port, the server in its own process
(``uvicorn rtcc.app:create_app --factory`` on a scratch database and the in-process bus), waiting until it is ready,
and background traffic from another process (``OpenLoop``: ``rtcc.bench._httpclient``'s open loop), so that the load
does not compete with the measuring process for its GIL."""

from __future__ import annotations

import contextlib
import os
import pickle
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

#: The app factory the server runs (``module:function``, called with no arguments).
SERVER_FACTORY = "rtcc.app:create_app"


def free_port() -> int:
    """A TCP port of 127.0.0.1 nothing listens on now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(
    database_url: str, port: int, workdir: Path, env: dict[str, str] | None = None
) -> tuple[subprocess.Popen[bytes], Path]:
    """The server on ``port`` (in-process bus, no MQTT unless ``env`` sets it); its output goes to the returned log."""
    environ = dict(os.environ)
    environ.update(
        {
            "RTCC_DATABASE_URL": database_url,
            "RTCC_BUS_URL": "memory://",
            "RTCC_LOG_LEVEL": "WARNING",
            "RTCC_DATA_DIR": str(workdir),
            "RTCC_MFA_REQUIRED": "false",  # bench accounts on a scratch database sign in with a password
        }
    )
    environ.pop("RTCC_MQTT_URL", None)
    environ.update(env or {})
    log = workdir / "server.log"
    cmd = [
        sys.executable, "-m", "uvicorn", SERVER_FACTORY, "--factory",
        "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning", "--no-access-log",
    ]  # fmt: skip
    with log.open("wb") as out:
        proc = subprocess.Popen(cmd, env=environ, stdout=out, stderr=subprocess.STDOUT, cwd=workdir)
    return proc, log


def wait_ready(base: str, proc: subprocess.Popen[bytes], log: Path, timeout: float = 60.0) -> None:
    """Return once ``/readyz`` answers 200; raise with the server's log when it exits or takes too long."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode}: {log.read_text()[-2000:]}")
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(f"{base}/readyz", timeout=1.0).status_code == 200:
                return
        time.sleep(0.2)
    raise RuntimeError(f"server not ready after {timeout:.0f} s: {log.read_text()[-2000:]}")


def stop_server(proc: subprocess.Popen[bytes]) -> None:
    """Terminate the server (kill it if it does not stop within 15 s)."""
    proc.terminate()
    try:
        proc.wait(15)
    except subprocess.TimeoutExpired:
        proc.kill()


class OpenLoop:
    """Background POSTs from their own process (``rtcc.bench._httpclient`` open loop, see ``_open_loop`` there for
    the parameters) until ``stop``; ``stop`` returns what it measured (``acked_at``: the wall-clock time of each
    acknowledged request, ``failed``, ``skipped``: requests that could not be sent on schedule, ``sent``)."""

    def __init__(self, **params: Any) -> None:
        self._params = tempfile.NamedTemporaryFile(prefix="rtcc-bench-bg-", suffix=".pickle", delete=False)  # noqa: SIM115
        with self._params as f:
            pickle.dump(params, f)
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "rtcc.bench._httpclient", "open", self._params.name],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
        )

    def stop(self) -> dict[str, Any]:
        """End the traffic and return its figures."""
        try:
            out, _ = self.proc.communicate(timeout=60)
            result: dict[str, Any] = pickle.loads(out)  # noqa: S301 - our own child process
            return result
        finally:
            Path(self._params.name).unlink(missing_ok=True)
