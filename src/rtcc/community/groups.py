"""Neighborhood Watch groups: staff create a group in a neighborhood with its first captains and name or step down
captains (audited); community accounts list the groups, join and leave. Meeting notices to a group's members are
``notices``. Services take ``session`` and never commit.
"""

from __future__ import annotations

import uuid

from sqlalchemy.orm import Session

from rtcc.audit import service as audit
from rtcc.community import neighborhoods, repository
from rtcc.community.accounts import own_profile, require_community, user_id_of
from rtcc.community.models import WatchGroup, WatchMember
from rtcc.community.schemas import WatchGroupCreate, WatchGroupRead
from rtcc.core.clock import utcnow
from rtcc.core.errors import Conflict, NotFound, ValidationFailed, field_error
from rtcc.identity.logic import Principal


def get(session: Session, group_id: uuid.UUID) -> WatchGroup:
    """The group, or NotFound."""
    found = repository.group(session, group_id)
    if found is None:
        raise NotFound(f"watch group {group_id} not found")
    return found


def _group_read(session: Session, group: WatchGroup, viewer: uuid.UUID | None) -> WatchGroupRead:
    members = repository.members(session, group.id)
    names = {p.user_id: p.display_name for p in (repository.profile(session, m.user_id) for m in members) if p}
    captains = sorted(names.get(m.user_id, "?") for m in members if m.role == "captain")
    mine = next((m.role for m in members if viewer is not None and m.user_id == viewer), None)
    return WatchGroupRead(
        id=group.id,
        name=group.name,
        neighborhood_code=group.neighborhood_code,
        description=group.description,
        created_at=group.created_at,
        members=len(members),
        captains=captains,
        my_role=mine,
    )


def create_group(session: Session, data: WatchGroupCreate, *, actor: Principal) -> WatchGroupRead:
    """Create a watch group in a neighborhood, with its first captains (community accounts; audited)."""
    neighborhoods.get(session, data.neighborhood_code, "neighborhood_code")
    if repository.group_by_name(session, data.name) is not None:
        raise Conflict(f"a watch group named {data.name!r} exists")
    now = utcnow()
    group = WatchGroup(
        name=data.name,
        neighborhood_code=data.neighborhood_code,
        description=data.description,
        created_by=actor.audit_name,
        created_at=now,
    )
    session.add(group)
    session.flush()
    for user_id in data.captain_user_ids:
        if repository.profile(session, user_id) is None:
            raise ValidationFailed(
                "captains must be community accounts", errors=[field_error("captain_user_ids", str(user_id))]
            )
        session.add(WatchMember(group_id=group.id, user_id=user_id, role="captain", joined_at=now))
    session.flush()
    audit.record_for(
        session,
        actor,
        "community.group.create",
        target_type="watch_group",
        target_id=str(group.id),
        details={"name": group.name, "neighborhood": group.neighborhood_code, "captains": len(data.captain_user_ids)},
    )
    return _group_read(session, group, None)


def list_groups(session: Session, *, viewer: Principal | None = None) -> list[WatchGroupRead]:
    """Every watch group, with the viewer's own role in each."""
    me = user_id_of(viewer) if viewer is not None and viewer.is_community else None
    return [_group_read(session, g, me) for g in repository.groups(session)]


def join_group(session: Session, group_id: uuid.UUID, principal: Principal) -> WatchGroupRead:
    """Sign the caller up as a member (idempotent)."""
    me = own_profile(session, principal).user_id
    group = get(session, group_id)
    if repository.membership(session, group_id, me) is None:
        session.add(WatchMember(group_id=group_id, user_id=me, role="member", joined_at=utcnow()))
        session.flush()
    return _group_read(session, group, me)


def leave_group(session: Session, group_id: uuid.UUID, principal: Principal) -> None:
    """Take the caller out of the group (idempotent)."""
    me = require_community(principal)
    get(session, group_id)
    found = repository.membership(session, group_id, me)
    if found is not None:
        session.delete(found)
        session.flush()


def set_captain(session: Session, group_id: uuid.UUID, user_id: uuid.UUID, captain: bool, *, actor: Principal) -> None:
    """Make a community account captain of a group (adding it as member) or step it down (audited)."""
    group = get(session, group_id)
    if repository.profile(session, user_id) is None:
        raise ValidationFailed("captains must be community accounts", errors=[field_error("user_id", "unknown")])
    found = repository.membership(session, group_id, user_id)
    if found is None:
        found = WatchMember(group_id=group_id, user_id=user_id, role="member", joined_at=utcnow())
        session.add(found)
    found.role = "captain" if captain else "member"
    session.flush()
    audit.record_for(
        session,
        actor,
        "community.group.captain",
        target_type="watch_group",
        target_id=str(group.id),
        details={"user_id": str(user_id), "captain": captain},
    )
