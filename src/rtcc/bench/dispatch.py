"""``rtcc bench dispatch``: the recommendation on a city-sized road network, and a new call reaching a dispatcher's
screen while the fleet reports its positions.

**Recommendation** (``recommend_*``; no database): the synthetic street grid of ``rtcc bench routing`` (at least
100,000 nodes, said in the output) with 500 units of the catalogue's mixed fleet at random points near its roads
(85 % deputy cars, then sergeants, CSOs, guards; 20 % of them busy) and ``CALLS`` random calls of the catalogue's
types. Timed per call, as live dispatch does it: every unit's ETA by ONE search from the call over the reversed graph
(snapping included) and the pure ``rtcc.dispatch.recommend.recommend`` over the 500 units (eligibility, ranking,
reasons). Baseline, in the same run: the same recommendation fed by 500 one-to-one searches (one per unit,
``rtcc.routing.kernel.etas_one_by_one``), on the first ``BASELINE_CALLS`` calls (each takes seconds).
``recommend_correct``: on those calls both give the same ETAs and the same ranked call signs.

**Call to screen** (``call_to_screen_*``): a real server (``uvicorn``, scratch database, in-process bus) with 500
units; a background process reports every unit's position once every 5 s (100 reports/s, open loop, one per
request, as AVL gateways post them), a dispatcher's Server-Sent Events stream is open, and calls are taken through
the API one every ``CALL_EVERY_S``. Latency runs from sending the intake request to the ``call.created`` event for
that call number on the stream; a call whose event has not arrived 5 s after the last one counts as missing and ranks
above every arrived sample (a percentile that falls on it is null). ``avl_msgs_per_s`` is the rate of position
reports the server acknowledged during the measurement. ``--rows`` sets the number of calls (default 300).

**Historic import** (``import_*``): ``rtcc.bench._dispatch_import`` (100,000 synthetic calls in the Alexandria
layout through ``rtcc dispatch import-history``'s path, against the driver's own ``executemany`` of the same rows).

Targets from the issue: ``recommend_p95_ms`` <= 25 on >= 100,000 nodes; ``call_to_screen_p99_ms`` <= 150 with 500
units reporting every 5 s; ``import_calls_per_s`` >= 20,000 on SQLite. Benchmarks assert nothing about time.
"""

from __future__ import annotations

import asyncio
import math
import queue
import secrets
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import anyio.to_thread
import httpx
import numpy as np
import orjson

from rtcc.bench import _dispatch_import as dispatch_import
from rtcc.bench import routing as routing_bench
from rtcc.bench._server import OpenLoop, free_port, start_server, stop_server, wait_ready
from rtcc.bench._support import scratch_database
from rtcc.dispatch import calltypes
from rtcc.dispatch.recommend import Rules, call_facts, recommend, unit_facts
from rtcc.places import service as places
from rtcc.routing import kernel

UNITS = 500
CALLS = 200
BASELINE_CALLS = 10
#: The fleet's mix (unit type, share).
FLEET = (("deputy_car", 0.85), ("sergeant", 0.05), ("cso", 0.07), ("guard", 0.03))
BUSY_SHARE = 0.2
AVL_EVERY_S = 5.0
CALL_EVERY_S = 0.1
DEFAULT_SCREEN_CALLS = 300
ARRIVAL_TIMEOUT_S = 5.0
SEED = 20261206


def _fleet(rng: np.random.Generator, n: int) -> list[Any]:
    cat = calltypes.catalogue()
    kinds = rng.choice(len(FLEET), size=n, p=[s for _, s in FLEET])
    busy = rng.random(n) < BUSY_SHARE
    out = []
    for i in range(n):
        code = FLEET[int(kinds[i])][0]
        status = "on_scene" if busy[i] else "available"
        out.append(unit_facts(f"u{i}", f"U{i:03d}", code, cat.unit_type(code), status, home_area=f"A{i % 25}"))
    return out


def _ranked(result: Any) -> list[str]:
    return [line.call_sign for line in result.ranked]


def recommend_figures(*, nodes: int) -> dict[str, Any]:
    """The recommendation among 500 units, one search per call vs one search per unit (module docstring)."""
    sc = routing_bench.scenario(nodes=nodes, units=UNITS, calls=CALLS)
    rng = np.random.default_rng(SEED)
    cat = calltypes.catalogue()
    fleet = _fleet(rng, UNITS)
    types = [ct for ct in cat.call_types]
    picks = rng.integers(len(types), size=CALLS)
    facts = [call_facts(types[int(k)], calltypes.level(types[int(k)].default_priority)) for k in picks]
    rules = Rules()
    results: list[Any] = []

    def rank(call: int, seconds: np.ndarray) -> None:
        etas = [None if not math.isfinite(s) else float(s) for s in seconds]
        results.append(recommend(facts[call], fleet, etas, rules))

    times, answers = routing_bench.time_etas(sc, then=rank)
    base_times: list[float] = []
    base_results: list[Any] = []
    base_answers: list[np.ndarray] = []
    for c in range(min(BASELINE_CALLS, CALLS)):
        t0 = time.perf_counter()
        seconds = kernel.etas_one_by_one(sc.router, float(sc.call_x[c]), float(sc.call_y[c]), sc.unit_x, sc.unit_y)
        etas = [None if not math.isfinite(s) else float(s) for s in seconds]
        base_results.append(recommend(facts[c], fleet, etas, rules))
        base_times.append((time.perf_counter() - t0) * 1000.0)
        base_answers.append(seconds)
    same_etas = routing_bench.same_answers(answers[: len(base_answers)], base_answers)
    same_ranking = all(_ranked(a) == _ranked(b) for a, b in zip(results, base_results, strict=False))
    p95, base_p95 = routing_bench.p(times, 95), routing_bench.p(base_times, 95)
    return {
        "network": routing_bench.NETWORK,
        "units": UNITS,
        "nodes": sc.network.graph.n,
        "recommend_calls": len(times),
        "recommend_p50_ms": routing_bench.p(times, 50),
        "recommend_p95_ms": p95,
        "baseline_calls": len(base_times),
        "baseline_p95_ms": base_p95,
        "baseline": "the same recommendation fed by one growing one-to-one search per unit (500 per call)",
        "recommend_ratio": round(base_p95 / p95, 1) if p95 else None,
        "recommend_correct": same_etas and same_ranking,
        "eligible_share": round(float(np.mean([len(r.ranked) / UNITS for r in results])), 3),
    }


def _seed(url: str, password: str, sites: list[tuple[float, float]]) -> None:
    """A dispatcher and 500 units of the fleet at city points, through the services."""
    from rtcc.bus.memory import MemoryBus
    from rtcc.core.db import Database
    from rtcc.dispatch import positions, units
    from rtcc.dispatch.unit_schemas import PositionIn, UnitCreate
    from rtcc.identity import service as identity
    from rtcc.identity.logic import SYSTEM, Role
    from rtcc.identity.schemas import UserCreate

    db = Database(url)
    bus = MemoryBus()
    rng = np.random.default_rng(SEED)
    kinds = rng.choice(len(FLEET), size=UNITS, p=[s for _, s in FLEET])

    def work() -> None:
        with db.uow() as s:
            identity.create_user(
                s, UserCreate(username="bench_dispatch", display_name="Bench", password=password, role=Role.dispatcher),
                actor=SYSTEM,
            )  # fmt: skip
            for i in range(UNITS):
                units.create(
                    s, None, UnitCreate(call_sign=f"U{i:03d}", unit_type=FLEET[int(kinds[i])][0]), actor=SYSTEM
                )
            for i in range(UNITS):
                lat, lon = sites[i % len(sites)]
                positions.record(s, None, units.load(s, f"U{i:03d}"), PositionIn(lat=lat, lon=lon), source="bench")

    async def main() -> None:
        await bus.start()
        try:
            await anyio.to_thread.run_sync(work)
        finally:
            await bus.close()

    try:
        asyncio.run(main())
    finally:
        db.dispose()


def _stream(base: str, token: str, arrivals: queue.Queue[tuple[str, float]], opened: threading.Event,
            stop: threading.Event, status: list[int]) -> None:  # fmt: skip
    headers = {"Authorization": f"Bearer {token}"}
    with (
        httpx.Client(base_url=base, headers=headers, timeout=httpx.Timeout(10, read=None)) as client,
        client.stream("GET", "/api/v1/live/stream?purpose=hit_verification") as resp,
    ):
        status.append(resp.status_code)
        opened.set()
        if resp.status_code != 200:
            return
        event = ""
        for line in resp.iter_lines():
            if stop.is_set():
                return
            if line.startswith("event:"):
                event = line[6:].strip()
            elif line.startswith("data:") and event == "call.created":
                at = time.perf_counter()
                number = (orjson.loads(line[5:]).get("data") or {}).get("number")
                if number:
                    arrivals.put((str(number), at))
            elif line == "":
                event = ""


def _rank(values: list[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    value = ordered[max(0, math.ceil(q / 100 * len(ordered)) - 1)]
    return None if math.isinf(value) else round(value, 2)


def screen_figures(*, calls: int, database_url: str | None) -> dict[str, Any]:
    """A new call to a dispatcher's screen while 500 units report positions (module docstring)."""
    rng = np.random.default_rng(SEED + 7)
    password = secrets.token_urlsafe(18)  # a throw-away account on a throw-away server
    sites = places.random_points(UNITS + calls, rng)
    sent: dict[str, float] = {}
    arrived: dict[str, float] = {}
    acked_ms: list[float] = []
    refused = 0
    avl: dict[str, Any] = {"acked_at": [], "failed": 0, "skipped": 0}
    with (
        tempfile.TemporaryDirectory(prefix="rtcc-bench-dispatch-") as tmp,
        scratch_database(database_url, prefix="rtcc_bench_dispatch") as url,
    ):
        _seed(url, password, sites[:UNITS])
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        proc, log = start_server(url, port, Path(tmp))
        stop = threading.Event()
        arrivals: queue.Queue[tuple[str, float]] = queue.Queue()
        background: OpenLoop | None = None
        t0 = t1 = 0.0
        try:
            wait_ready(base, proc, log)
            login = httpx.post(f"{base}/api/v1/auth/login", json={"username": "bench_dispatch", "password": password})
            login.raise_for_status()
            token = login.json()["token"]
            opened, status = threading.Event(), list[int]()
            reader = threading.Thread(target=_stream, args=(base, token, arrivals, opened, stop, status), daemon=True)
            reader.start()
            if not opened.wait(15) or status != [200]:
                raise RuntimeError(f"the live stream did not open (status {status})")
            span_s = calls * CALL_EVERY_S + ARRIVAL_TIMEOUT_S + 30
            reports = [
                (f"/api/v1/dispatch/units/U{i % UNITS:03d}/position",
                 orjson.dumps({"lat": sites[i % UNITS][0] + 1e-5 * (i // UNITS), "lon": sites[i % UNITS][1]}))
                for i in range(int(span_s * UNITS / AVL_EVERY_S))
            ]  # fmt: skip
            background = OpenLoop(
                port=port,
                auth=f"Authorization: Bearer {token}",
                targets=reports,
                rate=UNITS / AVL_EVERY_S,
                in_flight=32,
                ok_status=201,
                accepted_one=False,
            )
            time.sleep(1.0)  # let the position reports settle
            t0 = time.time()
            with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {token}"}, timeout=30) as client:
                next_at = time.perf_counter()
                for i in range(calls):
                    lat, lon = sites[UNITS + i]
                    body = {
                        "call_type": "ALARM_BURG_RES",
                        "location": {"kind": "coordinates", "lat": lat, "lon": lon},
                        "source": "alarm_company",
                        "narrative": "bench",
                    }
                    at = time.perf_counter()
                    try:
                        resp = client.post("/api/v1/dispatch/calls", json=body)
                        number = resp.json()["call"]["number"] if resp.status_code == 201 else None
                    except (httpx.HTTPError, KeyError, ValueError):
                        number = None
                    acked_ms.append((time.perf_counter() - at) * 1000)
                    if number is None:
                        refused += 1
                    else:
                        sent[number] = at
                    _drain(arrivals, arrived)
                    next_at += CALL_EVERY_S
                    time.sleep(max(0.0, next_at - time.perf_counter()))
            t1 = time.time()
            deadline = time.perf_counter() + ARRIVAL_TIMEOUT_S
            while time.perf_counter() < deadline and any(n not in arrived for n in sent):
                _drain(arrivals, arrived, wait=0.1)
        finally:
            stop.set()
            if background is not None:
                avl = background.stop()
            stop_server(proc)
    latencies = [(arrived[n] - sent[n]) * 1000 for n in sent if n in arrived]
    missing = calls - len(latencies)
    ranked = latencies + [math.inf] * missing
    return {
        "call_to_screen_samples": calls,
        "call_to_screen_missing": missing,
        "call_to_screen_refused": refused,
        "call_to_screen_p50_ms": _rank(ranked, 50),
        "call_to_screen_p99_ms": _rank(ranked, 99),
        "call_to_screen_max_ms": _rank(ranked, 100),
        "call_intake_p99_ms": _rank(acked_ms, 99),
        "avl_units": UNITS,
        "avl_target_msgs_per_s": UNITS / AVL_EVERY_S,
        "avl_msgs_per_s": round(sum(t0 <= t <= t1 for t in avl["acked_at"]) / max(t1 - t0, 1e-9), 1),
        "avl_failed": avl["failed"],
        "avl_skipped": avl["skipped"],
        "database": url.split(":", 1)[0].split("+", 1)[0],
    }


def _drain(arrivals: queue.Queue[tuple[str, float]], arrived: dict[str, float], wait: float = 0.0) -> None:
    try:
        number, at = arrivals.get(timeout=wait) if wait else arrivals.get_nowait()
        arrived.setdefault(number, at)
        while True:
            number, at = arrivals.get_nowait()
            arrived.setdefault(number, at)
    except queue.Empty:
        return


def run(
    *, rows: int | None = None, database_url: str | None = None, nodes: int | None = None, history: int | None = None
) -> dict[str, Any]:
    """The three parts; ``rows`` is the number of calls sent to the screen (default 300); the historic import
    (``rtcc.bench._dispatch_import``, ``import_*`` keys) runs on ``database_url`` (default a temp SQLite)."""
    out = recommend_figures(nodes=nodes or routing_bench.DEFAULT_NODES)
    out.update(screen_figures(calls=rows or DEFAULT_SCREEN_CALLS, database_url=database_url))
    out.update(dispatch_import.measure(calls=history, database_url=database_url))
    return out
