"""The unit of work of one ingest request (``POST /api/v1/reads``, the OpenALPR webhook): a large batch is stored in a
transaction of its own, a camera-sized body joins the group commit's next shared transaction
(``rtcc.alpr.groupcommit``). Either way the request is answered after the commit, its dead letters are written in
their own unit of work so that they survive a refused batch, and its result (or its 403/422) is its own.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

from starlette.concurrency import run_in_threadpool

from rtcc.alpr import payloads, writerproc
from rtcc.alpr.deadletters import DeadLetterDraft, dead_letter_sink, write_dead_letters
from rtcc.alpr.groupcommit import SOLO_BYTES, committer
from rtcc.alpr.schemas import IngestResult
from rtcc.bus.base import Bus
from rtcc.core.db import Database
from rtcc.identity.logic import Principal
from rtcc.runtime import Runtime
from rtcc.settings import Settings


def _store_alone(
    db: Database,
    bus: Bus,
    body: bytes,
    *,
    source: str,
    context: dict[str, Any],
    principal: Principal,
    settings: Settings,
) -> IngestResult:
    """One request's unit of work: store what can be stored, keep the rest as dead letters (their own transaction,
    so they survive a failed batch), and refuse with 422 when nothing at all could be stored."""
    with dead_letter_sink(db) as sink, db.uow() as session:
        result = payloads.ingest_payload(
            session,
            bus,
            body,
            source=source,
            context=context,
            principal=principal,
            settings=settings,
            dead_letters=sink,
        )
    return payloads.require_some_stored(result)


async def ingest_request(
    runtime: Runtime,
    body: bytes,
    *,
    source: str,
    context: dict[str, Any],
    principal: Principal,
) -> IngestResult:
    """Store one ingest request's body (the REST and webhook routes call this): a large batch in its own unit of
    work (in a worker thread), a camera-sized body in the group commit's next shared transaction (in the ingest
    writer process when it runs, ``rtcc.alpr.writerproc``, else in this process's writer thread). Either way the
    answer comes after the commit, dead letters are written in their own unit of work afterwards, and the result (or
    the 403/422) is this request's alone."""
    db, bus, settings = runtime.db, runtime.bus, runtime.settings
    if len(body) > SOLO_BYTES:
        return await run_in_threadpool(
            _store_alone, db, bus, body, source=source, context=context, principal=principal, settings=settings
        )
    process = writerproc.running(runtime)
    if process is not None:
        return await _in_writer_process(process, db, writerproc.IngestJob(body, source, context, principal))
    drafts: list[DeadLetterDraft] = []
    job = committer(runtime).submit_async(
        payloads.as_unit(body, source, context, principal, settings, drafts), size=len(body)
    )
    try:
        result = await asyncio.shield(job)
    finally:
        if not job.done():  # the client went away while the writer runs the unit: its dead letters still count
            with contextlib.suppress(Exception, asyncio.CancelledError):
                await job
        if drafts:
            await run_in_threadpool(_write_drafts, db, list(drafts))
    return payloads.require_some_stored(result)


async def _in_writer_process(
    process: writerproc.WriterProcess, db: Database, job: writerproc.IngestJob
) -> IngestResult:
    """``ingest_request`` through the ingest writer process: the same answer, the same dead letters."""
    future = process.submit_async(job)
    try:
        reply = await asyncio.shield(future)
    except asyncio.CancelledError:  # the client went away: the unit is stored all the same, its dead letters too
        with contextlib.suppress(Exception, asyncio.CancelledError):
            reply = await future
            if reply.drafts:
                await run_in_threadpool(_write_drafts, db, list(reply.drafts))
        raise
    if reply.drafts:
        await run_in_threadpool(_write_drafts, db, list(reply.drafts))
    result: IngestResult = reply.unwrap()
    return payloads.require_some_stored(result)


def _write_drafts(db: Database, drafts: list[DeadLetterDraft]) -> None:
    with db.uow() as session:
        write_dead_letters(session, drafts)
