"""The load clients of the benchmarks, each run in its own process (spawned: this module imports nothing heavy, so the
process starts fast), so that making the load never competes with the measuring process for its GIL.

``rtcc bench ingest``'s HTTP variant (closed loop): asyncio on uvloop, ``clients`` keep-alive connections speaking raw
HTTP/1.1, each one request at a time. Every response is checked (status 202 and, for ingest, ``accepted`` equal to
the reads sent). It reports its own CPU share, to show it is not the bottleneck, and the server's (from ``/proc``: the
API process and its ingest writer process).

``rtcc bench live``'s background traffic (``open`` mode, open loop): requests sent at a fixed rate over at most
``in_flight`` connections; a request whose turn comes while all of them are busy is skipped (counted), never queued.
It runs until its standard input closes, then reports when each acknowledged request was answered (wall clock) and
how many failed or were skipped."""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import time
from pathlib import Path
from typing import Any

import orjson

#: Responses from this path are only checked for their status (the benchmark's trivial route).
NOOP_PATH = "/bench/noop"


def _percentile(sorted_values: list[float], q: float) -> float:
    if not sorted_values:
        return float("nan")
    pos = min(len(sorted_values) - 1, max(0, round(q / 100 * (len(sorted_values) - 1))))
    return sorted_values[pos]


def process_cpu_s(pid: int) -> float:
    """CPU seconds of process ``pid`` and of its live children (the API process's ingest writer process)."""
    total = 0.0
    pids = [pid]
    for children in Path(f"/proc/{pid}/task").glob("*/children"):
        with contextlib.suppress(OSError):
            pids += [int(child) for child in children.read_text().split()]
    for one in pids:
        with contextlib.suppress(OSError):
            fields = Path(f"/proc/{one}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


async def _phase(port: int, path: str, key: str, bodies: list[bytes], clients: int, per: int) -> dict[str, Any]:
    head = f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nX-API-Key: {key}\r\nContent-Type: application/json\r\n"
    requests = [head.encode() + b"Content-Length: %d\r\n\r\n" % len(b) + b for b in bodies]
    latencies = [0.0] * len(requests)
    state = {"next": 0, "acked": 0, "errors": 0}
    errors: list[str] = []

    async def connection() -> None:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.get_extra_info("socket").setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        try:
            while state["next"] < len(requests):
                i = state["next"]
                state["next"] = i + 1
                t0 = time.perf_counter()
                writer.write(requests[i])
                header = await reader.readuntil(b"\r\n\r\n")
                length = 0
                for line in header.split(b"\r\n"):
                    if line[:15].lower() == b"content-length:":
                        length = int(line[15:])
                body = await reader.readexactly(length)
                latencies[i] = time.perf_counter() - t0
                ok = header.startswith(b"HTTP/1.1 202")
                if ok and path != NOOP_PATH:
                    ok = orjson.loads(body).get("accepted") == per
                if ok:
                    state["acked"] += 1
                else:
                    state["errors"] += 1
                    if len(errors) < 5:
                        errors.append(header.split(b"\r\n", 1)[0].decode() + " " + body[:200].decode(errors="replace"))
        finally:
            writer.close()

    started = time.perf_counter()
    cpu0 = time.process_time()
    await asyncio.gather(*(connection() for _ in range(clients)))
    wall = time.perf_counter() - started
    cpu = time.process_time() - cpu0
    ordered = sorted(latencies)
    return {
        "wall_s": wall,
        "requests": len(requests),
        "acked": state["acked"],
        "errors": state["errors"],
        "error_samples": errors,
        "p50_ms": _percentile(ordered, 50) * 1000,
        "p99_ms": _percentile(ordered, 99) * 1000,
        "client_cpu_share": cpu / wall,
    }


async def _phases(
    port: int, key: str, phases: list[tuple[str, list[bytes]]], clients: int, per: int, pid: int
) -> list[dict[str, Any]]:
    out = []
    for path, bodies in phases:
        cpu0 = process_cpu_s(pid)
        result = await _phase(port, path, key, bodies, clients, per)
        result["server_cpu_share"] = (process_cpu_s(pid) - cpu0) / result["wall_s"]
        out.append(result)
    return out


async def _open_loop(
    port: int,
    auth: str,
    targets: list[tuple[str, bytes]],
    rate: float,
    in_flight: int,
    ok_status: int = 202,
    accepted_one: bool = True,
) -> dict[str, Any]:
    """Send ``targets`` (path, body; cycling) as POSTs at ``rate`` per second until stdin closes. ``auth`` is the
    header line that authenticates them (``X-API-Key: ...`` or ``Authorization: Bearer ...``); a request counts as
    acknowledged when it answers ``ok_status`` (and, with ``accepted_one``, a body saying ``"accepted": 1``)."""
    requests = [
        f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n{auth}\r\nContent-Type: application/json\r\n".encode()
        + b"Content-Length: %d\r\n\r\n" % len(b)
        + b
        for path, b in targets
    ]
    ok_line = f"HTTP/1.1 {ok_status}".encode()
    idle: asyncio.Queue[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = asyncio.Queue()
    for _ in range(in_flight):
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.get_extra_info("socket").setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        idle.put_nowait((reader, writer))
    acked_at: list[float] = []
    counts = {"failed": 0, "skipped": 0}

    async def one(request: bytes, conn: tuple[asyncio.StreamReader, asyncio.StreamWriter]) -> None:
        reader, writer = conn
        try:
            writer.write(request)
            header = await reader.readuntil(b"\r\n\r\n")
            length = 0
            for line in header.split(b"\r\n"):
                if line[:15].lower() == b"content-length:":
                    length = int(line[15:])
            body = await reader.readexactly(length)
            if header.startswith(ok_line) and (not accepted_one or orjson.loads(body).get("accepted") == 1):
                acked_at.append(time.time())
            else:
                counts["failed"] += 1
            idle.put_nowait(conn)
        except (OSError, asyncio.IncompleteReadError):
            counts["failed"] += 1  # the connection is dropped; the others carry on

    loop = asyncio.get_running_loop()
    stopped = loop.run_in_executor(None, _read_stdin_to_end)
    interval, sent = 1.0 / rate, 0
    next_at = time.perf_counter()
    pending: set[asyncio.Task[None]] = set()
    while not stopped.done():
        now = time.perf_counter()
        if now < next_at:
            await asyncio.sleep(next_at - now)
            continue
        next_at += interval
        if idle.empty():
            counts["skipped"] += 1
            continue
        task = asyncio.create_task(one(requests[sent % len(requests)], idle.get_nowait()))
        sent += 1
        pending.add(task)
        task.add_done_callback(pending.discard)
    if pending:
        await asyncio.wait(pending, timeout=30)
    return {"acked_at": acked_at, "sent": sent, **counts}


def _read_stdin_to_end() -> None:
    import sys

    sys.stdin.buffer.read()


def main() -> None:
    """Process entry (``python -m rtcc.bench._httpclient``): read the phases (pickled) from stdin, run them one after
    the other, write their figures (pickled) to stdout. ``python -m rtcc.bench._httpclient open <file>``: the open
    loop, its parameters pickled in ``<file>``, until stdin closes."""
    import pickle
    import sys

    import uvloop

    result: Any
    if sys.argv[1:2] == ["open"]:
        with open(sys.argv[2], "rb") as f:
            params = pickle.load(f)  # noqa: S301 - from our parent
        result = uvloop.run(_open_loop(**params))
    else:
        port, key, phases, clients, per, pid = pickle.load(sys.stdin.buffer)  # noqa: S301 - from our parent
        result = uvloop.run(_phases(port, key, phases, clients, per, pid))
    sys.stdout.buffer.write(pickle.dumps(result))
    sys.stdout.buffer.flush()


if __name__ == "__main__":
    main()
