"""``rtcc bench bodylimit``: what the request body limit (``rtcc.core.bodylimit``) costs on the ingest hot path.

In process, at the ASGI level, so that nothing but the middleware differs: the production middleware stack in front
of ``POST /api/v1/reads`` (the body limit, then the TextGuard) against the same stack without the body limit (the
stack before issue 15, the baseline), both in front of the benchmark's trivial app that reads the body and answers
202 (the framework's ceiling: a real route would dilute the difference, so the ratio here is the worst case). Two
request shapes, as cameras send them: one read a request (``rows`` requests) and a batch of 5,000 reads delivered in
64 KiB chunks. Figures are CPU time of this process (``time.process_time``: the machine's other load does not count),
in blocks of 500 requests (and one batch) that alternate between the two stacks; the median block counts.
Correctness: every answer is 202 with the byte count sent, and a body over the limit is answered 413 with no more
than the limit (plus one chunk) read.
Keys: single_us, single_baseline_us, single_overhead_us, single_ratio, batch_ms, batch_baseline_ms, batch_ratio,
batch_bytes, requests, refused_over_limit (plus database, unused: no database is touched).
"""

from __future__ import annotations

import asyncio
import re
import statistics
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
#: Single-read requests per block; blocks of the two stacks alternate.
BLOCK = 500
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


async def _singles(app: App, bodies: list[bytes]) -> float:
    """CPU seconds per request of posting each body once (checked: 202 and the byte count)."""
    t0 = time.process_time()
    for body in bodies:
        status, answer, _ = await _post(app, body, chunked=False)
        if status != 202 or int(answer) != len(body):
            raise RuntimeError(f"single read answered {status} {answer!r}")
    return (time.process_time() - t0) / len(bodies)


async def _batch(app: App, batch: bytes) -> float:
    """CPU seconds of posting the batch in 64 KiB chunks (checked likewise)."""
    t0 = time.process_time()
    status, answer, _ = await _post(app, batch, chunked=True)
    if status != 202 or int(answer) != len(batch):
        raise RuntimeError(f"batch answered {status} {answer!r}")
    return time.process_time() - t0


async def _measure(rows: int) -> dict[str, Any]:
    settings = Settings()
    limited, baseline = _stacks(settings)
    singles, batch = _bodies(rows)
    times: dict[str, list[float]] = {"limited": [], "baseline": [], "limited_batch": [], "baseline_batch": []}
    for start in range(0, rows, BLOCK):  # alternate blocks: the machine's load falls on both stacks alike
        block = singles[start : start + BLOCK]
        for name, app in (("baseline", baseline), ("limited", limited)):
            times[name].append(await _singles(app, block))
            times[f"{name}_batch"].append(await _batch(app, batch))
    single, single_base = statistics.median(times["limited"]), statistics.median(times["baseline"])
    whole, whole_base = statistics.median(times["limited_batch"]), statistics.median(times["baseline_batch"])
    over = b"[" + b" " * settings.body_max_ingest_bytes + b"]"
    status, _answer, pulled = await _post(limited, over, chunked=True)
    refused = status == 413 and pulled <= settings.body_max_ingest_bytes + CHUNK
    if not refused:
        raise RuntimeError(f"a body over the limit answered {status} after {pulled} bytes")
    return {
        "single_us": round(single * 1e6, 2),
        "single_baseline_us": round(single_base * 1e6, 2),
        "single_overhead_us": round((single - single_base) * 1e6, 2),
        "single_ratio": round(single / single_base, 3),
        "batch_ms": round(whole * 1e3, 3),
        "batch_baseline_ms": round(whole_base * 1e3, 3),
        "batch_ratio": round(whole / whole_base, 3),
        "batch_bytes": len(batch),
        "requests": rows,
        "refused_over_limit": refused,
        "database": "none",
    }


def run(*, rows: int | None = None, database_url: str | None = None) -> dict[str, Any]:
    """Measure (``rows`` single-read requests a round, default 20,000); ``database_url`` is not used."""
    return asyncio.run(_measure(rows or 20_000))
