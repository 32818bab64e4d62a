"""The unit of work of an investigation request, shared by the routes and the CLI.

A search runs in one write transaction (the audit entry commits with it). When the purpose check refuses it, that
transaction rolls back and the refusal (``alpr.search.refused``, contract C2) is recorded in a transaction of its
own, so that auditors see refused attempts; then the governance error (422 or 403 naming the field) is raised.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TypeVar

from sqlalchemy.orm import Session

from rtcc.audit.service import Actor
from rtcc.core.db import Database
from rtcc.investigations import service
from rtcc.investigations.schemas import PurposeFields

logger = logging.getLogger(__name__)

T = TypeVar("T")


def run(db: Database, *, kind: str, body: PurposeFields, actor: Actor, work: Callable[[Session], T]) -> T:
    """Run ``work`` in one unit of work; on a refused purpose, audit the refusal separately and raise its error."""
    try:
        with db.uow() as session:
            return work(session)
    except service.SearchRefused as refused:
        with db.uow() as session:
            service.record_refusal(session, actor, kind=kind, body=body, reason=refused.error.detail)
        logger.info("%s search refused: %s", kind, refused.error.title)
        raise refused.error from None
