"""Meeting notices of Neighborhood Watch groups: a captain of the group (or community staff) posts a notice, and
every member gets it as a message (portal inbox, e-mail, SMS, through the notify domain's outbox), bilingual with the
meeting time in the city's time zone; members read the group's notices, staff read every group's (audited posts).
"""

from __future__ import annotations

import uuid

from sqlalchemy.orm import Session

from rtcc.audit import service as audit
from rtcc.community import groups, logic, repository
from rtcc.community.accounts import recipient, user_id_of
from rtcc.community.models import WatchNotice
from rtcc.community.schemas import NoticeCreate
from rtcc.core.clock import utcnow
from rtcc.core.errors import PermissionDenied
from rtcc.core.localtime import bilingual, local_text
from rtcc.identity.logic import Principal
from rtcc.notify import service as notify
from rtcc.places import service as places


def post_notice(session: Session, group_id: uuid.UUID, data: NoticeCreate, *, actor: Principal) -> WatchNotice:
    """Post a meeting notice (a captain of the group, or community staff) and message every member (outbox)."""
    group = groups.get(session, group_id)
    if actor.is_community:
        found = repository.membership(session, group_id, user_id_of(actor))
        if found is None or found.role != "captain":
            raise PermissionDenied("only a captain of this group may post notices")
    now = utcnow()
    notice = WatchNotice(
        group_id=group.id,
        title=data.title,
        body=data.body,
        meeting_at=data.meeting_at,
        location=data.location,
        posted_by=actor.audit_name,
        posted_at=now,
    )
    session.add(notice)
    session.flush()
    zone = places.city_zone()
    lines, lines_es = [data.body], [data.body]  # the captain's own words, as written
    if data.meeting_at:
        lines.append(f"When: {local_text(data.meeting_at, zone, 'en')}")
        lines_es.append(f"Cuándo: {local_text(data.meeting_at, zone, 'es')}")
    if data.location:
        lines.append(f"Where: {data.location}")
        lines_es.append(f"Dónde: {data.location}")
    count = 0
    for member in repository.members(session, group.id):
        notify.enqueue(
            session,
            recipient(session, member.user_id),
            subject=f"[{group.name}] {data.title}",
            body=bilingual("\n".join(lines), "\n".join(lines_es)),
            category=logic.Category.watch_group.value,
            link=f"/api/v1/community/groups/{group.id}/notices",
            dedup_key=f"notice:{notice.id}",
        )
        count += 1
    notice.recipients = count
    audit.record_for(
        session,
        actor,
        "community.group.notice",
        target_type="watch_group",
        target_id=str(group.id),
        details={"notice_id": str(notice.id), "recipients": count},
    )
    return notice


def list_notices(session: Session, group_id: uuid.UUID, principal: Principal) -> list[WatchNotice]:
    """A group's notices, newest first (members of the group; staff see every group's)."""
    groups.get(session, group_id)
    if principal.is_community and repository.membership(session, group_id, user_id_of(principal)) is None:
        raise PermissionDenied("join the group to read its notices")
    return repository.notices(session, group_id)
