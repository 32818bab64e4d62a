"""``rtcc bench bodylimit``: what the request body limit (``rtcc.core.bodylimit``) costs on the ingest hot path.

In process, at the ASGI level, so that nothing but the middleware differs: the production middleware stack in front
of ``POST /api/v1/reads`` (the body limit, then the TextGuard) against the same stack without the body limit (the
stack before issue 15, the baseline), both in front of the benchmark's trivial app that reads the body and answers
202 (the framework's ceiling: a real route would dilute the difference, so the ratio here is the worst case). Two
request shapes, as cameras send them: one read a request (``rows`` requests) and batches of 5,000 reads delivered in
64 KiB chunks. Rounds alternate the two stacks and the best round of each counts. Correctness: every answer is 202
with the byte count sent, and a body one byte over the limit is answered 413 with no more than the limit read.
Keys: single_us, single_baseline_us, single_ratio, batch_ms, batch_baseline_ms, batch_ratio, batch_bytes, requests,
refused_over_limit (plus database, unused: no database is touched).
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Awaitable, Callable
from typing import Any

import orjson

from rtcc.bench import _gen
from rtcc.core.bodylimit import BodyLimit, BodyRule
from rtcc.core.textguard import TextGuard
from rtcc.settings import Settings

PATH = "/api/v1/reads"
CHUNK = 64 * 1024
ROUNDS = 5
BATCH = 5000
App = Callable[[Any, Any, Any], Awaitable[None]]


async def _ceiling(scope: Any, receive: Any, send: Any) -> None:
    """Read the whole body and answer 202 with its length."""
    size = 0
    more = True
    while more:
        message = await receive()
        size += len(message.get("body", b""))
        more = message.get("more_body", False)
    await send({"type": "http.response.start", "status": 202, "headers": [(b"content-type", b"text/plain")]})
    await send({"type": "http.response.body", "body": str(size).encode()})


def _stacks(settings: Settings) -> tuple[App, App]:
    rules = [BodyRule(re.compile(r"/api/v1/(reads|ingest/openalpr)$"), settings.body_max_ingest_bytes, json=True)]
    baseline = TextGuard(_ceiling)
    limited = BodyLimit(TextGuard(_ceiling), default=settings.body_max_json_bytes, rules=rules)
    return limited, baseline


async def _post(app: App, body: bytes, *, chunked: bool) -> tuple[int, bytes, int]:
    """(status, answer body, bytes pulled) of one POST of ``body``."""
    parts = [body[i : i + CHUNK] for i in range(0, len(body), CHUNK)] if chunked else [body]
    pulled = 0
    index = 0

    async def receive() -> dict[str, Any]:
        nonlocal pulled, index
        if index >= len(parts):
            return {"type": "http.disconnect"}
        part = parts[index]
        index += 1
        pulled += len(part)
        return {"type": "http.request", "body": part, "more_body": index < len(parts)}

    out: list[dict[str, Any]] = []

    async def send(message: dict[str, Any]) -> None:
        out.append(message)

    headers = [(b"content-type", b"application/json"), (b"x-api-key", b"bench")]
    if not chunked:
        headers.append((b"content-length", str(len(body)).encode()))
    scope = {"type": "http", "method": "POST", "path": PATH, "query_string": b"", "headers": headers}
    await app(scope, receive, send)
    return out[0]["status"], b"".join(m.get("body", b"") for m in out[1:]), pulled


def _bodies(n: int) -> tuple[list[bytes], bytes]:
    import numpy as np

    rng = np.random.default_rng(15)
    plates = _gen.plates(rng, n + BATCH, "CA")

    def read(i: int) -> dict[str, Any]:
        vehicle = {"make": "Toyota", "color": "white", "type": "sedan"}
        return {"plate": plates[i], "region": "CA", "confidence": 91.5, "observed_at": "2026-12-06T07:00:00Z",
                "camera": f"BENCH-{i % 19:02d}", "vehicle": vehicle}  # fmt: skip

    singles = [orjson.dumps({"reads": [read(i)]}) for i in range(n)]
    batch = orjson.dumps({"reads": [read(n + i) for i in range(BATCH)]})
    return singles, batch


async def _round(app: App, singles: list[bytes], batch: bytes) -> tuple[float, float]:
    t0 = time.perf_counter()
    for body in singles:
        status, answer, _ = await _post(app, body, chunked=False)
        if status != 202 or int(answer) != len(body):
            raise RuntimeError(f"single read answered {status} {answer!r}")
    t1 = time.perf_counter()
    for _ in range(5):
        status, answer, _ = await _post(app, batch, chunked=True)
        if status != 202 or int(answer) != len(batch):
            raise RuntimeError(f"batch answered {status} {answer!r}")
    t2 = time.perf_counter()
    return (t1 - t0) / len(singles), (t2 - t1) / 5


async def _measure(rows: int) -> dict[str, Any]:
    settings = Settings()
    limited, baseline = _stacks(settings)
    singles, batch = _bodies(rows)
    best: dict[str, list[float]] = {"limited": [1e9, 1e9], "baseline": [1e9, 1e9]}
    for _ in range(ROUNDS if rows >= 1000 else 1):  # a tiny run (the suite's) checks, it does not measure
        for name, app in (("baseline", baseline), ("limited", limited)):
            single, whole = await _round(app, singles, batch)
            best[name] = [min(best[name][0], single), min(best[name][1], whole)]
    over = b"[" + b" " * settings.body_max_ingest_bytes + b"]"
    status, _answer, pulled = await _post(limited, over, chunked=True)
    refused = status == 413 and pulled <= settings.body_max_ingest_bytes + CHUNK
    if not refused:
        raise RuntimeError(f"a body over the limit answered {status} after {pulled} bytes")
    return {
        "single_us": round(best["limited"][0] * 1e6, 2),
        "single_baseline_us": round(best["baseline"][0] * 1e6, 2),
        "single_ratio": round(best["limited"][0] / best["baseline"][0], 3),
        "batch_ms": round(best["limited"][1] * 1e3, 3),
        "batch_baseline_ms": round(best["baseline"][1] * 1e3, 3),
        "batch_ratio": round(best["limited"][1] / best["baseline"][1], 3),
        "batch_bytes": len(batch),
        "requests": rows,
        "refused_over_limit": refused,
        "database": "none",
    }


def run(*, rows: int | None = None, database_url: str | None = None) -> dict[str, Any]:
    """Measure (``rows`` single-read requests a round, default 20,000); ``database_url`` is not used."""
    return asyncio.run(_measure(rows or 20_000))
