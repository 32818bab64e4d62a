"""HTTP routes of the notify domain: ``GET /api/v1/messages``, a staff account's portal messages (footage requests,
rebates, tips), each with how its e-mail/SMS copies fared. Residents read the same inbox through the community portal
(``/api/v1/community/messages``), which calls the same service."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from rtcc.deps import DbDep
from rtcc.identity.deps import require
from rtcc.identity.logic import Perm, Principal
from rtcc.notify import service
from rtcc.notify.schemas import MessageRead

router = APIRouter(tags=["notify"])


@router.get("/api/v1/messages")
def staff_messages(
    db: DbDep,
    principal: Annotated[Principal, require(Perm.self_read)],
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[MessageRead]:
    """A staff account's messages from the community programs (footage requests, rebates, tips), newest first."""
    with db.read() as session:
        return service.inbox(session, principal, limit=limit)
