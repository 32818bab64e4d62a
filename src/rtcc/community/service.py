"""Community use cases: sign-up (with e-mail confirmation) and profiles, neighborhoods, Neighborhood Watch groups
and notices, subscriptions, public alerts with their fan-out into the outbox, and the outbox itself
(``notify_account``, contract C5, and the delivery bookkeeping the delivery loop uses). Tips live in ``tips``.

Services take ``session`` and never commit; the route, CLI command or job owns the unit of work. Exactly once per
recipient: every outbox row has a unique ``dedup_key`` (alert, account, channel) and enqueueing skips existing keys,
so a retried fan-out adds nothing; a claimed row is leased to one worker and marked sent only by that worker.
"""

from __future__ import annotations

import logging
import secrets
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from rtcc.audit import service as audit
from rtcc.community import logic, repository
from rtcc.community.logic import Area, Channel, OutboxStatus
from rtcc.community.models import (
    CommunityAlert,
    CommunityProfile,
    Neighborhood,
    OutboxMessage,
    Subscription,
    WatchGroup,
    WatchMember,
    WatchNotice,
)
from rtcc.community.schemas import (
    AlertCreate,
    DeliveryRead,
    MessageRead,
    NoticeCreate,
    OutboxStatusRead,
    ProfileRead,
    ProfileUpdate,
    SignupRequest,
    SubscriptionCreate,
    UnsubscribeResult,
    WatchGroupCreate,
    WatchGroupRead,
)
from rtcc.core.clock import utcnow
from rtcc.core.errors import Conflict, DomainError, NotFound, PermissionDenied, ValidationFailed, field_error
from rtcc.core.localtime import bilingual, local_text
from rtcc.identity import service as identity
from rtcc.identity.logic import Principal, Role
from rtcc.identity.schemas import UserCreate, UserUpdate
from rtcc.places import service as places
from rtcc.settings import Settings

logger = logging.getLogger(__name__)


class RateLimited(DomainError):
    """Too many submissions in the window; ``retry_after_s`` says when the next one is accepted."""

    status = 429
    title = "Too many requests"

    def __init__(self, detail: str, *, retry_after_s: int) -> None:
        super().__init__(detail)
        self.retry_after_s = max(1, retry_after_s)


def user_id_of(principal: Principal) -> uuid.UUID:
    """The signed-in user's id, or PermissionDenied (API keys and the system have none)."""
    user_id = principal.user_uuid
    if user_id is None:
        raise PermissionDenied("a signed-in community account is required")
    return user_id


def require_community(principal: Principal) -> uuid.UUID:
    if principal.kind != "user" or not principal.is_community:
        raise PermissionDenied("only resident and business accounts use the community portal")
    return user_id_of(principal)


# --- accounts --------------------------------------------------------------------------------------------------------


def signup(session: Session, data: SignupRequest, *, client_ip: str | None, per_ip_hour: int) -> CommunityProfile:
    """Create a resident/business account (a ``users`` row) and its community profile; abuse-limited per address."""
    if data.website:
        raise ValidationFailed("sign-up refused", errors=[field_error("website", "must be left empty")])
    now = utcnow()
    if client_ip and repository.signups_from_ip_since(session, client_ip, now - timedelta(hours=1)) >= per_ip_hour:
        raise RateLimited("too many sign-ups from this address; try again later", retry_after_s=3600)
    if repository.profile_by_email(session, data.email) is not None:
        raise Conflict("an account with this e-mail address exists; sign in instead")
    actor = Principal(kind="user", id="signup", name=f"signup:{data.username}", role="public", permissions=frozenset())
    user = identity.create_user(
        session,
        UserCreate(
            username=data.username,
            display_name=data.display_name,
            password=data.password,
            role=Role(data.account_type),
        ),
        actor=actor,
    )
    code = None
    if data.lat is not None and data.lon is not None:
        code = logic.neighborhood_of(data.lat, data.lon, _rings(session))
    prof = CommunityProfile(
        user_id=user.id,
        username=user.username,
        display_name=user.display_name,
        account_type=data.account_type,
        email=data.email.strip(),
        phone=data.phone,
        address=data.address,
        lat=data.lat,
        lon=data.lon,
        neighborhood_code=code,
        email_opt_in=True,
        sms_opt_in=bool(data.phone),
        muted_categories=[],
        signup_ip=client_ip,
        created_at=now,
        updated_at=now,
    )
    session.add(prof)
    session.flush()
    _send_verification(session, prof)
    logger.info("community account created (%s)", data.account_type)
    return prof


#: Category of the address-confirmation message: the only e-mail sent to an address not yet verified.
VERIFY_CATEGORY = "email_verification"


def _send_verification(session: Session, prof: CommunityProfile) -> None:
    token = secrets.token_urlsafe(24)
    prof.email_verify_token = token
    prof.email_verified_at = None
    session.flush()
    notify_account(
        session,
        user_id=prof.user_id,
        subject="Confirm your e-mail address",
        body="Confirm this address to receive community alerts and notices by e-mail.",
        category=VERIFY_CATEGORY,
        link=f"/api/v1/community/verify/{token}",
        dedup_key=f"verify:{token}",
    )


def verify_email(session: Session, token: str) -> ProfileRead:
    """Confirm a profile's e-mail address with the token sent to it."""
    prof = repository.profile_by_verify_token(session, token)
    if prof is None:
        raise NotFound("unknown or used confirmation link")
    prof.email_verified_at = utcnow()
    prof.email_verify_token = None
    prof.updated_at = prof.email_verified_at
    return _profile_read(prof)


def find_account(session: Session, username: str) -> uuid.UUID | None:
    """The user id of the community account with this login name, or None."""
    prof = repository.profile_by_username(session, username)
    return prof.user_id if prof else None


def account_id(principal: Principal) -> uuid.UUID:
    """The user id a community principal acts as."""
    return require_community(principal)


def ensure_community_account(
    session: Session,
    *,
    username: str,
    display_name: str,
    password: str,
    account_type: str,
    email: str,
    phone: str | None = None,
    address: str | None = None,
    lat: float | None = None,
    lon: float | None = None,
) -> uuid.UUID:
    """The user id of a community account, created with its profile when missing (demo and fixtures; idempotent)."""
    user = identity.ensure_user(
        session, username=username, password=password, role=account_type, display_name=display_name
    )
    if repository.profile(session, user.id) is None:
        now = utcnow()
        code = logic.neighborhood_of(lat, lon, _rings(session)) if lat is not None and lon is not None else None
        session.add(
            CommunityProfile(
                user_id=user.id,
                username=user.username,
                display_name=user.display_name,
                account_type=account_type,
                email=email,
                phone=phone,
                address=address,
                lat=lat,
                lon=lon,
                neighborhood_code=code,
                email_opt_in=True,
                sms_opt_in=phone is not None,
                muted_categories=[],
                email_verified_at=now,  # created by the operator, not self-service: the address is taken as given
                signup_ip=None,
                created_at=now,
                updated_at=now,
            )
        )
        session.flush()
    return user.id


def _profile_read(prof: CommunityProfile) -> ProfileRead:
    return ProfileRead(
        user_id=prof.user_id,
        username=prof.username,
        display_name=prof.display_name,
        account_type=prof.account_type,
        email=prof.email,
        phone=prof.phone,
        address=prof.address,
        lat=prof.lat,
        lon=prof.lon,
        neighborhood_code=prof.neighborhood_code,
        email_verified=prof.email_verified_at is not None,
        email_opt_in=prof.email_opt_in,
        sms_opt_in=prof.sms_opt_in,
        muted_categories=list(prof.muted_categories or []),
        created_at=prof.created_at,
    )


def own_profile(session: Session, principal: Principal) -> CommunityProfile:
    prof = repository.profile(session, require_community(principal))
    if prof is None:
        raise NotFound("this account has no community profile; sign up through the community portal")
    return prof


def get_profile_of(session: Session, user_id: uuid.UUID) -> ProfileRead:
    """The community profile of an account."""
    prof = repository.profile(session, user_id)
    if prof is None:
        raise NotFound(f"account {user_id} has no community profile")
    return _profile_read(prof)


def get_profile(session: Session, principal: Principal) -> ProfileRead:
    """The caller's own community profile."""
    return _profile_read(own_profile(session, principal))


def update_profile(session: Session, principal: Principal, data: ProfileUpdate) -> ProfileRead:
    """Change the caller's own contact data and preferences."""
    prof = own_profile(session, principal)
    changes = data.model_dump(exclude_unset=True)
    email_changed = bool(changes.get("email")) and changes["email"].lower() != prof.email.lower()
    if email_changed and repository.profile_by_email(session, changes["email"]) is not None:
        raise Conflict("another account uses this e-mail address")
    if changes.get("display_name"):
        identity.update_user(session, prof.user_id, UserUpdate(display_name=changes["display_name"]), actor=principal)
    lat = changes.get("lat", prof.lat)
    lon = changes.get("lon", prof.lon)
    if (lat is None) != (lon is None):
        raise ValidationFailed("lat and lon go together", errors=[field_error("lat", "give both lat and lon")])
    for key, value in changes.items():
        if key == "email" and value is None:
            raise ValidationFailed("email cannot be removed", errors=[field_error("email", "required")])
        if key in {"email_opt_in", "sms_opt_in", "display_name"} and value is None:
            continue
        setattr(prof, key, value)
    if "lat" in changes or "lon" in changes:
        prof.neighborhood_code = (
            logic.neighborhood_of(lat, lon, _rings(session)) if lat is not None and lon is not None else None
        )
    if prof.sms_opt_in and not prof.phone:
        raise ValidationFailed("SMS needs a phone number", errors=[field_error("phone", "required for SMS")])
    prof.updated_at = utcnow()
    if email_changed:
        _send_verification(session, prof)
    return _profile_read(prof)


# --- neighborhoods ---------------------------------------------------------------------------------------------------


def install_default_neighborhoods(session: Session) -> int:
    """Bring the neighborhoods table in line with the city profile's neighborhoods (``rtcc.places``): add the missing
    ones and update the name and polygon of those that changed; returns how many were added or updated. Rows the
    profile no longer has are kept (watch groups and subscriptions may refer to them)."""
    changed = 0
    for hood in places.neighborhoods():
        polygon = [[x, y] for x, y in hood.ring]
        row = repository.neighborhood(session, hood.code)
        if row is None:
            session.add(Neighborhood(code=hood.code, name=hood.name, description=hood.description, polygon=polygon))
            changed += 1
        elif row.name != hood.name or row.polygon != polygon:
            row.name, row.description, row.polygon = hood.name, hood.description, polygon
            changed += 1
    session.flush()
    return changed


def cap_sender(settings: Settings) -> str:
    """The CAP <sender> of public alerts: the ``community_cap_sender`` setting, else the city profile's."""
    return settings.community_cap_sender or places.alert_senders().cap_sender


def list_neighborhoods(session: Session) -> list[Neighborhood]:
    """All neighborhoods by code."""
    return repository.neighborhoods(session)


def _rings(session: Session) -> dict[str, tuple[tuple[float, float], ...]]:
    return {n.code: tuple((float(x), float(y)) for x, y in n.polygon) for n in repository.neighborhoods(session)}


def _neighborhood(session: Session, code: str, field: str) -> Neighborhood:
    found = repository.neighborhood(session, code)
    if found is None:
        raise ValidationFailed(f"unknown neighborhood {code!r}", errors=[field_error(field, "unknown neighborhood")])
    return found


# --- watch groups ----------------------------------------------------------------------------------------------------


def _group(session: Session, group_id: uuid.UUID) -> WatchGroup:
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
    _neighborhood(session, data.neighborhood_code, "neighborhood_code")
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
    group = _group(session, group_id)
    if repository.membership(session, group_id, me) is None:
        session.add(WatchMember(group_id=group_id, user_id=me, role="member", joined_at=utcnow()))
        session.flush()
    return _group_read(session, group, me)


def leave_group(session: Session, group_id: uuid.UUID, principal: Principal) -> None:
    """Take the caller out of the group (idempotent)."""
    me = require_community(principal)
    _group(session, group_id)
    found = repository.membership(session, group_id, me)
    if found is not None:
        session.delete(found)
        session.flush()


def set_captain(session: Session, group_id: uuid.UUID, user_id: uuid.UUID, captain: bool, *, actor: Principal) -> None:
    """Make a community account captain of a group (adding it as member) or step it down (audited)."""
    group = _group(session, group_id)
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


def post_notice(session: Session, group_id: uuid.UUID, data: NoticeCreate, *, actor: Principal) -> WatchNotice:
    """Post a meeting notice (a captain of the group, or community staff) and message every member (outbox)."""
    group = _group(session, group_id)
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
        notify_account(
            session,
            user_id=member.user_id,
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
    _group(session, group_id)
    if principal.is_community and repository.membership(session, group_id, user_id_of(principal)) is None:
        raise PermissionDenied("join the group to read its notices")
    return repository.notices(session, group_id)


# --- subscriptions ---------------------------------------------------------------------------------------------------


def subscribe(session: Session, principal: Principal, data: SubscriptionCreate) -> Subscription:
    """Subscribe the caller to alerts in an area and categories, on the channels chosen."""
    prof = own_profile(session, principal)
    if data.neighborhood_code is not None:
        _neighborhood(session, data.neighborhood_code, "neighborhood_code")
    if "sms" in data.channels and not prof.phone:
        raise ValidationFailed("SMS needs a phone number on the profile", errors=[field_error("channels", "sms")])
    code = data.neighborhood_code
    if code is None and data.lat is not None and data.lon is not None:
        code = logic.neighborhood_of(data.lat, data.lon, _rings(session))  # the centre's, for neighborhood alerts
    sub = Subscription(
        user_id=prof.user_id,
        area_kind="neighborhood" if data.neighborhood_code else "radius",
        neighborhood_code=code,
        lat=data.lat,
        lon=data.lon,
        radius_m=data.radius_m,
        categories=sorted({c.value for c in data.categories}),
        channels=sorted(set(data.channels)),
        active=True,
        created_at=utcnow(),
    )
    session.add(sub)
    session.flush()
    return sub


def list_subscriptions(session: Session, principal: Principal) -> list[Subscription]:
    """The caller's own subscriptions."""
    return repository.subscriptions_of(session, require_community(principal))


def end_subscription(session: Session, principal: Principal, subscription_id: uuid.UUID) -> None:
    """End one of the caller's subscriptions (another account's answers 404)."""
    sub = session.get(Subscription, subscription_id)
    if sub is None or sub.user_id != require_community(principal):
        raise NotFound(f"subscription {subscription_id} not found")
    _end(session, sub)


def _end(session: Session, sub: Subscription) -> None:
    if sub.active:
        sub.active = False
        sub.ended_at = utcnow()
    repository.cancel_pending_for_subscription(session, sub.id)


def unsubscribe_by_token(session: Session, token: str) -> UnsubscribeResult:
    """One-click unsubscribe: the token of a message ends its subscription, or mutes its category for direct mail."""
    row = repository.outbox_by_token(session, token)
    if row is None:
        raise NotFound("unknown or expired unsubscribe link")
    if row.subscription_id is not None:
        sub = session.get(Subscription, row.subscription_id)
        if sub is not None:
            _end(session, sub)
        return UnsubscribeResult(done=True, what="subscription")
    prof = repository.profile(session, row.user_id)
    if prof is not None and row.category not in (prof.muted_categories or []):
        prof.muted_categories = [*(prof.muted_categories or []), row.category]
        prof.updated_at = utcnow()
    return UnsubscribeResult(done=True, what=f"category:{row.category}")


# --- outbox (contract C5) --------------------------------------------------------------------------------------------


def _outbox_row(
    *,
    user_id: uuid.UUID,
    channel: str,
    recipient: str | None,
    dedup_key: str,
    category: str,
    subject: str,
    body: str,
    link: str | None,
    now: datetime,
    alert_id: uuid.UUID | None = None,
    subscription_id: uuid.UUID | None = None,
) -> dict[str, Any]:
    delivered = channel == Channel.inbox.value
    return {
        "id": uuid.uuid4(),
        "dedup_key": dedup_key,
        "user_id": user_id,
        "alert_id": alert_id,
        "subscription_id": subscription_id,
        "channel": channel,
        "recipient": recipient,
        "category": category[:32],
        "subject": subject[:200],
        "body": body,
        "link": link,
        "unsubscribe_token": secrets.token_urlsafe(24),
        "status": OutboxStatus.sent.value if delivered else OutboxStatus.pending.value,
        "attempts": 0,
        "next_attempt_at": now,
        "lease_until": None,
        "leased_by": None,
        "last_error": None,
        "created_at": now,
        "sent_at": now if delivered else None,
    }


def notify_account(
    session: Session,
    *,
    user_id: uuid.UUID,
    subject: str,
    body: str,
    category: str,
    link: str | None = None,
    dedup_key: str | None = None,
) -> None:
    """Enqueue a message to one account (portal inbox plus its e-mail/SMS channels) in the caller's transaction."""
    now = utcnow()
    key = dedup_key or f"direct:{uuid.uuid4().hex}"
    rows = [
        _outbox_row(
            user_id=user_id,
            channel=Channel.inbox.value,
            recipient=None,
            dedup_key=f"{key}:{user_id}:inbox",
            category=category,
            subject=subject,
            body=body,
            link=link,
            now=now,
        )
    ]
    if category == VERIFY_CATEGORY:
        rows = []  # an address confirmation is for the e-mail address only
    prof = repository.profile(session, user_id)
    if prof is not None and category not in (prof.muted_categories or []):
        verified = prof.email_verified_at is not None or category == VERIFY_CATEGORY
        contacts = [(Channel.email.value, prof.email if prof.email_opt_in and verified else None)]
        contacts.append((Channel.sms.value, prof.phone if prof.sms_opt_in else None))
        for channel, address in contacts:
            if address:
                rows.append(
                    _outbox_row(
                        user_id=user_id,
                        channel=channel,
                        recipient=address,
                        dedup_key=f"{key}:{user_id}:{channel}",
                        category=category,
                        subject=subject,
                        body=body,
                        link=link,
                        now=now,
                    )
                )
    try:
        with session.begin_nested():  # a savepoint: an unknown account must not break the caller's transaction
            repository.insert_outbox(session, rows)
    except IntegrityError as exc:
        raise NotFound(f"account {user_id} not found") from exc


def inbox(session: Session, principal: Principal, *, limit: int = 100) -> list[OutboxMessage]:
    """The caller's portal messages, newest first (community and staff accounts alike): direct messages, and the
    public alerts the outbox has delivered to the caller."""
    if principal.kind != "user":
        raise PermissionDenied("only signed-in accounts have messages")
    return repository.inbox(session, user_id_of(principal), limit=limit)


def inbox_messages(session: Session, principal: Principal, *, limit: int = 100) -> list[MessageRead]:
    """The caller's portal messages (as ``inbox``), each with how its e-mail/SMS copies fared: sent, pending, or not
    sent and why (e.g. "no SMS provider configured")."""
    rows = inbox(session, principal, limit=limit)
    copies = repository.sibling_deliveries(session, user_id_of(principal), rows)
    out: list[MessageRead] = []
    for row in rows:
        prefix = row.dedup_key.rsplit(":", 1)[0]
        mine = [
            c
            for c in copies
            if (c.alert_id == row.alert_id if row.alert_id is not None else c.dedup_key.rsplit(":", 1)[0] == prefix)
        ]
        message = MessageRead.model_validate(row)
        message.deliveries = [
            DeliveryRead(
                channel=c.channel,
                status=c.status,
                reason=c.last_error if c.status != OutboxStatus.sent.value else None,
            )
            for c in sorted(mine, key=lambda c: c.channel)
        ]
        out.append(message)
    return out


@dataclass(frozen=True)
class Outbound:
    """A claimed outbox row, detached from the session, as the channels see it."""

    id: uuid.UUID
    channel: str
    recipient: str
    category: str
    subject: str
    body: str
    link: str | None
    unsubscribe_token: str
    attempts: int
    user_id: uuid.UUID
    #: when this worker's lease on the row ends unless renewed
    lease_until: datetime | None = None


def claim_due(session: Session, *, channels: Sequence[str], limit: int, worker: str, lease_s: float) -> list[Outbound]:
    """Lease due outbox rows on ``channels`` to ``worker`` (pending and due, or with an expired lease)."""
    rows, lease_until = repository.claim_due(
        session, now=utcnow(), channels=channels, limit=limit, worker=worker, lease_s=lease_s
    )
    return [
        Outbound(
            id=r.id,
            channel=r.channel,
            recipient=r.recipient or "",
            category=r.category,
            subject=r.subject,
            body=r.body,
            link=r.link,
            unsubscribe_token=r.unsubscribe_token,
            attempts=r.attempts,
            user_id=r.user_id,
            lease_until=lease_until,
        )
        for r in rows
    ]


def mark_sent(session: Session, ids: Sequence[uuid.UUID], *, worker: str) -> int:
    """Record successful sends of rows this worker leases; returns how many were marked."""
    return repository.mark_sent(session, ids, worker=worker, now=utcnow())


def renew_leases(
    session: Session, ids: Sequence[uuid.UUID], *, worker: str, lease_s: float
) -> tuple[set[uuid.UUID], datetime]:
    """Extend ``worker``'s lease on the rows it still holds by ``lease_s`` from now; returns the ids it holds and the
    lease's new end."""
    until = utcnow() + timedelta(seconds=lease_s)
    return repository.renew_leases(session, ids, worker=worker, lease_until=until), until


def release_leases(session: Session, ids: Sequence[uuid.UUID], *, worker: str) -> int:
    """Give claimed but unsent rows back to pending (a sender that stopped before sending them)."""
    return repository.release_leases(session, ids, worker=worker, now=utcnow())


def has_unmarked(session: Session, channel: str, reason: str) -> bool:
    """Whether pending rows of ``channel`` lack ``reason`` (``mark_unsendable`` would change something)."""
    return repository.has_unmarked(session, channel, reason)


def mark_unsendable(session: Session, channel: str, reason: str) -> int:
    """Record why the pending rows of a channel that cannot send are not sent (they stay pending, never sent)."""
    return repository.mark_unsendable(session, channel, reason)


def mark_failed(
    session: Session, message_id: uuid.UUID, error: str, *, worker: str, max_attempts: int, backoff_s: float
) -> str:
    """Record a failed send: back to pending with back-off (same message id), or ``dead`` after the last attempt."""
    row = repository.outbox_row(session, message_id)
    if row is None or row.leased_by != worker or row.status != OutboxStatus.sending.value:
        return "lost-lease"
    row.last_error = error[:500]
    row.lease_until = None
    if row.attempts >= max_attempts:
        row.status = OutboxStatus.dead.value
        logger.warning("outbox message %s given up after %d attempts", row.id, row.attempts)
    else:
        row.status = OutboxStatus.pending.value
        row.next_attempt_at = utcnow() + timedelta(seconds=logic.retry_delay_s(row.attempts, backoff_s))
    return row.status


def outbox_status(session: Session) -> OutboxStatusRead:
    """Outbox rows per status and channel, and the oldest pending one."""
    counts: dict[str, int] = {}
    by_channel: dict[str, dict[str, int]] = {}
    for channel, status, n in repository.outbox_counts(session):
        counts[status] = counts.get(status, 0) + n
        by_channel.setdefault(channel, {})[status] = n
    not_sent: dict[str, dict[str, int]] = {}
    for channel, reason, n in repository.unsent_reasons(session):
        not_sent.setdefault(channel, {})[reason] = n
    return OutboxStatusRead(
        counts=counts, by_channel=by_channel, not_sent=not_sent, oldest_pending_at=repository.oldest_pending(session)
    )


# --- public alerts ---------------------------------------------------------------------------------------------------


def _alert_area(session: Session, alert: CommunityAlert) -> Area:
    if alert.area_kind == "neighborhood" and alert.polygon:
        return Area(ring=tuple((float(x), float(y)) for x, y in alert.polygon))
    return Area(lat=alert.lat, lon=alert.lon, radius_m=alert.radius_m)


def send_alert(session: Session, data: AlertCreate, *, actor: Principal, sender: str) -> CommunityAlert:
    """Create a public alert and fan it out to every matching subscriber's channels (audited)."""
    now = utcnow()
    if data.expires is not None and data.expires <= now:
        raise ValidationFailed("expires is in the past", errors=[field_error("expires", "must be in the future")])
    area = data.area
    polygon: list[list[float]] | None = None
    if area.neighborhood_code is not None:
        hood = _neighborhood(session, area.neighborhood_code, "area.neighborhood_code")
        polygon = [list(map(float, p)) for p in hood.polygon]
        desc = area.description or hood.name
    else:
        desc = area.description or f"Within {area.radius_m:.0f} m of {area.lat:.5f}, {area.lon:.5f}"
    alert = CommunityAlert(
        category=data.category.value,
        headline=data.headline,
        body=data.body,
        severity=data.severity.value,
        urgency=data.urgency.value,
        certainty=data.certainty.value,
        area_kind="neighborhood" if area.neighborhood_code else "radius",
        neighborhood_code=area.neighborhood_code,
        lat=area.lat,
        lon=area.lon,
        radius_m=area.radius_m,
        area_desc=desc,
        polygon=polygon,
        sender=sender,
        created_by=actor.audit_name,
        sent_at=now,
        expires_at=data.expires,
        recipients=0,
    )
    session.add(alert)
    session.flush()
    alert.recipients = fan_out(session, alert)
    audit.record_for(
        session,
        actor,
        "community.alert.send",
        target_type="community_alert",
        target_id=str(alert.id),
        details={"category": alert.category, "area": desc, "recipients": alert.recipients},
    )
    return alert


def fan_out(session: Session, alert: CommunityAlert) -> int:
    """Enqueue the alert for every active subscription it reaches, once per account and channel; idempotent
    (a retried fan-out inserts nothing new). Returns the alert's outbox row count.

    Reach: a neighborhood subscription when its neighborhood is the alert's, or one a circle alert meets; a radius
    subscription when its circle overlaps a circle alert, or for a neighborhood alert when its centre lies in the
    neighborhood or a neighborhood vertex lies within its radius (``logic.radius_subscribers_reached`` is the
    reference the database query is tested against)."""
    area = _alert_area(session, alert)
    hoods = logic.neighborhoods_reached(area, _rings(session), alert.neighborhood_code)
    circle = None
    if area.is_circle and area.lat is not None and area.lon is not None and area.radius_m is not None:
        circle = (area.lat, area.lon, area.radius_m)
    spec = repository.FanOut(
        alert_id=alert.id,
        category=alert.category,
        subject=f"[{logic.EVENT_LABEL.get(alert.category, alert.category)}] {alert.headline}"[:200],
        body=f"{alert.body}\n\nArea: {alert.area_desc}",
        link=f"/api/v1/community/alerts/{alert.id}",
        now=utcnow(),
        neighborhoods=frozenset(hoods),
        circle=circle,
        polygon_code=alert.neighborhood_code if not area.is_circle else None,
        vertices=tuple((y, x) for x, y in area.ring or ()),
    )
    repository.enqueue_alert(session, spec)
    return repository.outbox_count_for_alert(session, alert.id)


def get_alert(session: Session, alert_id: uuid.UUID) -> CommunityAlert:
    """One public alert."""
    found = session.get(CommunityAlert, alert_id)
    if found is None:
        raise NotFound(f"alert {alert_id} not found")
    return found


def list_alerts(session: Session, *, limit: int = 50) -> list[CommunityAlert]:
    """The latest public alerts."""
    return repository.alerts(session, limit=limit)


def alert_cap(session: Session, alert_id: uuid.UUID, *, base_url: str) -> str:
    """The alert as a CAP 1.2 XML document."""
    alert = get_alert(session, alert_id)
    area = _alert_area(session, alert)
    circle = None
    if area.is_circle and area.lat is not None and area.lon is not None and area.radius_m is not None:
        circle = (area.lat, area.lon, area.radius_m)
    return logic.cap_xml(
        logic.CapAlert(
            identifier=f"urn:uuid:{alert.id}",
            sender=alert.sender,
            sender_name=places.alert_senders().sender_name,
            sent=alert.sent_at,
            category=alert.category,
            headline=alert.headline,
            description=alert.body,
            severity=alert.severity,
            urgency=alert.urgency,
            certainty=alert.certainty,
            area_desc=alert.area_desc,
            expires=alert.expires_at,
            web=f"{base_url.rstrip('/')}/api/v1/community/alerts/{alert.id}",
            ring=area.ring,
            circle=circle,
        )
    )
