"""Scheduled audit work: a signed tree head of the audit log every ``RTCC_AUDIT_TREE_HEAD_INTERVAL_S`` seconds
(hourly by default), with the start/stop hooks that run it in the API process (embedded profile) or ``rtcc worker
jobs``. Without ``RTCC_AUDIT_SIGNING_KEY_FILE`` it logs a warning and publishes nothing; the key is read once at
start (a bad file stops the start with an error naming it). Each pass is one unit of work; a failed pass is logged
and retried at the next interval. Every head is kept (``audit_tree_heads``)."""

from __future__ import annotations

import logging
from functools import partial

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from rtcc.audit import signing, tree
from rtcc.core.periodic import start_periodic, stop_task
from rtcc.runtime import Runtime

logger = logging.getLogger(__name__)

#: Key of the task in ``Runtime.services``.
HEAD_TASK = "audit.tree_heads"
#: Longest wait before the first head (short-lived processes publish none).
FIRST_PASS_DELAY_S = 30.0


#: Entries added to the tree per transaction before a head is published (a large backlog, e.g. the first run over an
#: existing log, is taken in short transactions).
EXTEND_CHUNK = 50_000


def publish_once(runtime: Runtime, key: Ed25519PrivateKey) -> None:
    """Extend the tree (in chunks, each its own unit of work) and publish one signed head."""
    while True:
        with runtime.db.uow() as session:
            if tree.extend_tree(session, max_entries=EXTEND_CHUNK) < EXTEND_CHUNK:
                break
    with runtime.db.uow() as session:
        head = tree.publish_head(session, key)
        size, head_id = head.tree_size, head.id
    logger.info("audit tree head %d published (%d entries)", head_id, size)


async def start(runtime: Runtime) -> None:
    """Start publishing signed tree heads every ``RTCC_AUDIT_TREE_HEAD_INTERVAL_S`` seconds."""
    path = runtime.settings.audit_signing_key_file
    if path is None:
        logger.warning("no RTCC_AUDIT_SIGNING_KEY_FILE: the audit log's tree heads are not published")
        return
    key = signing.load_private_key(path)
    interval = float(runtime.settings.audit_tree_head_interval_s)
    start_periodic(
        runtime.services,
        HEAD_TASK,
        partial(publish_once, runtime, key),
        interval,
        first_delay_s=min(interval, FIRST_PASS_DELAY_S),
    )


async def stop(runtime: Runtime) -> None:
    """Cancel the job; a pass in progress finishes its transaction first."""
    await stop_task(runtime.services, HEAD_TASK)
