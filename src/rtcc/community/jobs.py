"""Background job of the community domain, started by the app's lifespan (embedded profile) or ``rtcc worker jobs``:
bring the neighborhoods table in line with the city profile's neighborhoods (``rtcc.places``, ``RTCC_CITY_PROFILE``)
at start-up, so that watch groups, subscriptions and alerts refer to the profile's areas. A failure is logged; the
process carries on (``rtcc community neighborhoods install`` does the same by hand)."""

from __future__ import annotations

import logging

import anyio.to_thread

from rtcc.community import neighborhoods
from rtcc.runtime import Runtime

logger = logging.getLogger(__name__)


def _install_neighborhoods(runtime: Runtime) -> None:
    with runtime.db.uow() as session:
        changed = neighborhoods.install_from_profile(session)
    if changed:
        logger.info("installed or updated %d neighborhoods from the city profile", changed)


async def start(runtime: Runtime) -> None:
    """Install the city profile's neighborhoods (missing or changed ones)."""
    try:
        await anyio.to_thread.run_sync(_install_neighborhoods, runtime)
    except Exception:
        logger.exception("the city profile's neighborhoods were not installed")


async def stop(runtime: Runtime) -> None:
    """Nothing to release."""
