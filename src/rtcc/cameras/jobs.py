"""Background jobs of the cameras domain, started by the app's lifespan (embedded profile) or a worker: the probe
loop that fetches every live-linked camera's snapshot URL with a short timeout and records ``last_ok_at`` (and
``last_seen_at``) or ``last_error``.

One pass lists the targets in a read session, probes them concurrently (``registry_probe_concurrency`` at a time)
outside any transaction, then stores all outcomes in one unit of work. A 2xx answer is healthy; anything else, a
timeout or a connection error is recorded as the error. URLs may carry owners' tokens, so logs name camera codes only.
Owners supply the URLs, so the probe must not become a way to reach the server's internal network: the host is
resolved once and the snapshot is fetched from the address that was checked (``rtcc.core.egress``: no second lookup
for DNS rebinding to answer differently). A host that does not resolve, or resolves to a loopback, link-local,
metadata, multicast or reserved address, is never fetched (recorded as refused); private addresses (a city's camera
LAN) only with ``registry_probe_allow_private``, and ``registry_probe_allowed_networks`` names exact exceptions.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from dataclasses import dataclass
from functools import partial

import anyio.to_thread
import httpx

from rtcc.cameras import health
from rtcc.core import egress
from rtcc.core.clock import utcnow
from rtcc.core.db import Database
from rtcc.core.periodic import start_periodic, stop_task
from rtcc.runtime import Runtime
from rtcc.settings import Settings

logger = logging.getLogger(__name__)

#: Key of the probe task in ``Runtime.services``.
PROBE_TASK = "cameras.probe"


@dataclass(frozen=True)
class ProbeOutcome:
    """One probe: the camera and its error (None when the snapshot answered 2xx)."""

    camera_id: uuid.UUID
    code: str
    error: str | None


def policy_of(settings: Settings) -> egress.EgressPolicy:
    """The probe's egress policy from ``registry_probe_allow_private`` and ``registry_probe_allowed_networks``."""
    return egress.EgressPolicy.of(
        allow_private=settings.registry_probe_allow_private,
        allowed_networks=settings.registry_probe_allowed_networks,
    )


async def probe_one(
    client: httpx.AsyncClient,
    camera_id: uuid.UUID,
    code: str,
    url: str,
    *,
    policy: egress.EgressPolicy,
    resolver: egress.Resolver = egress.system_resolver,
) -> ProbeOutcome:
    """GET one snapshot URL from the address its host resolved to once and that the policy accepts; a refused or
    unresolvable host, any non-2xx answer or transport failure is the error."""
    try:
        resp = await egress.get(client, url, policy, resolver)
    except egress.EgressRefused as exc:
        return ProbeOutcome(camera_id, code, f"refused: {exc}"[:255])
    except httpx.TimeoutException:
        return ProbeOutcome(camera_id, code, "timeout")
    except httpx.HTTPError as exc:
        return ProbeOutcome(camera_id, code, f"{type(exc).__name__}: {exc}"[:255])
    if 200 <= resp.status_code < 300:
        return ProbeOutcome(camera_id, code, None)
    return ProbeOutcome(camera_id, code, f"HTTP {resp.status_code}")


def _targets(db: Database) -> list[tuple[uuid.UUID, str, str]]:
    with db.read() as session:
        return health.probe_targets(session)


def _store(db: Database, outcomes: list[ProbeOutcome]) -> None:
    at = utcnow()
    with db.uow() as session:
        for o in outcomes:
            health.record_probe(session, o.camera_id, at=at, error=o.error)


async def probe_pass(
    db: Database,
    *,
    timeout_s: float,
    concurrency: int,
    policy: egress.EgressPolicy | None = None,
    resolver: egress.Resolver = egress.system_resolver,
) -> list[ProbeOutcome]:
    """Probe every live-linked camera's snapshot URL once and store the outcomes."""
    targets = await anyio.to_thread.run_sync(partial(_targets, db))
    if not targets:
        return []
    limit = asyncio.Semaphore(concurrency)
    checked = policy or egress.EgressPolicy()

    async def bounded(camera_id: uuid.UUID, code: str, url: str) -> ProbeOutcome:
        async with limit:
            return await probe_one(client, camera_id, code, url, policy=checked, resolver=resolver)

    async with httpx.AsyncClient(timeout=timeout_s, follow_redirects=False, trust_env=False) as client:
        outcomes = list(await asyncio.gather(*(bounded(*t) for t in targets)))
    await anyio.to_thread.run_sync(partial(_store, db, outcomes))
    failed = [o.code for o in outcomes if o.error is not None]
    if failed:
        logger.warning("camera probe: %d of %d failing (%s)", len(failed), len(outcomes), ", ".join(failed[:10]))
    return outcomes


async def start(runtime: Runtime) -> None:
    """Start the snapshot probe loop every ``RTCC_REGISTRY_PROBE_INTERVAL_S`` seconds (0 or less disables it)."""
    settings = runtime.settings
    one_pass = partial(
        probe_pass,
        runtime.db,
        timeout_s=settings.registry_probe_timeout_s,
        concurrency=settings.registry_probe_concurrency,
        policy=policy_of(settings),
    )
    start_periodic(runtime.services, PROBE_TASK, one_pass, float(settings.registry_probe_interval_s))


async def stop(runtime: Runtime) -> None:
    """Cancel the probe loop."""
    await stop_task(runtime.services, PROBE_TASK)
