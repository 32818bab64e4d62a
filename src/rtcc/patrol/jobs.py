"""The patrol job: every ``RTCC_PATROL_INTERVAL_S`` seconds it makes the near-repeat alerts of new burglary calls
(``nearrepeats.sync``) and logs the house-check visits that the units' tracks show for the plans of the last day
(``plans.measure_open``), one transaction a pass. A failed pass is logged and the loop carries on. Run it in one
process per deployment.

It also listens for ``dispatch.call.created`` (group ``patrol``): a burglary call gets its near-repeat alert as soon
as it is taken. That event is published after commit and may be lost in a crash; the periodic pass is the
reconciler that makes whatever the event did not (the alert is unique per call, so the two never make two)."""

from __future__ import annotations

import logging
import uuid
from functools import partial

import anyio
from pydantic import ValidationError
from sqlalchemy.exc import IntegrityError

from rtcc.bus.envelope import Envelope
from rtcc.core.periodic import start_periodic, stop_task
from rtcc.dispatch.events import CALL_CREATED, DispatchEvent
from rtcc.patrol import nearrepeats, plans
from rtcc.runtime import Runtime

logger = logging.getLogger(__name__)

TASK = "patrol.sync"


def run_once(runtime: Runtime) -> tuple[int, int]:
    """One pass: (near-repeat alerts made, house-check visits logged)."""
    with runtime.db.uow() as session:
        made = nearrepeats.sync(session, runtime.settings)
        visits = plans.measure_open(session, runtime.settings)
    return made, visits


def _pass(runtime: Runtime) -> None:
    made, visits = run_once(runtime)
    if made or visits:
        logger.info("patrol: %d near-repeat alert(s) made, %d house-check visit(s) logged", made, visits)


def on_call_created(runtime: Runtime, call_id: uuid.UUID) -> bool:
    """Make the near-repeat alert of a new call when it is a burglary; True when one was made now."""
    try:
        with runtime.db.uow() as session:
            if nearrepeats.has_alert(session, call_id):
                return False
            return nearrepeats.for_call(session, runtime.settings, call_id) is not None
    except IntegrityError:  # the periodic pass made it at the same moment: one alert per call
        return False


async def _handle(runtime: Runtime, envelope: Envelope) -> None:
    try:
        event = DispatchEvent.of(envelope)
    except ValidationError:
        logger.warning("patrol: ignoring a %s event that is not a dispatch event", envelope.type)
        return
    if event.call_id is not None and await anyio.to_thread.run_sync(on_call_created, runtime, event.call_id):
        logger.info("patrol: near-repeat alert made for call %s", event.call_number or event.call_id)


async def start(runtime: Runtime) -> None:
    """Start the loop (an interval of 0 or less disables it, and the call subscriber with it)."""
    interval = float(runtime.settings.patrol_interval_s)
    start_periodic(runtime.services, TASK, partial(_pass, runtime), interval, first_delay_s=min(30.0, interval))
    if interval > 0:
        await runtime.bus.subscribe(CALL_CREATED, partial(_handle, runtime), group="patrol")


async def stop(runtime: Runtime) -> None:
    """Cancel the loop; a pass in progress finishes its transaction first."""
    await stop_task(runtime.services, TASK)
