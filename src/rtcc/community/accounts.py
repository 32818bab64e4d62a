"""Community accounts: self-service sign-up of residents and businesses (a ``users`` row plus a community profile,
abuse-limited per client address, with an e-mail address confirmation), accounts made by operators and the demo,
the caller's own profile (contact data, opt-ins, muted categories), and ``recipient``: where a message to an account
goes, which every domain that messages residents hands to the notify domain's outbox.

Who may do what starts here: ``require_community`` turns a principal into the community account it acts as (staff,
API keys and the system have none). Services take ``session`` and never commit; the route, CLI command or job owns
the unit of work.
"""

from __future__ import annotations

import logging
import secrets
import uuid
from datetime import timedelta

from sqlalchemy.orm import Session

from rtcc.community import logic, repository
from rtcc.community.models import CommunityProfile
from rtcc.community.neighborhoods import rings
from rtcc.community.schemas import ProfileRead, ProfileUpdate, SignupRequest
from rtcc.core.clock import utcnow
from rtcc.core.errors import Conflict, DomainError, NotFound, PermissionDenied, ValidationFailed, field_error
from rtcc.identity import service as identity
from rtcc.identity.logic import Principal, Role
from rtcc.identity.schemas import UserCreate, UserUpdate
from rtcc.notify import service as notify
from rtcc.notify.schemas import Recipient

logger = logging.getLogger(__name__)

#: Category of the address-confirmation message: the only e-mail sent to an address not yet verified.
VERIFY_CATEGORY = "email_verification"


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
    """The user id of a resident or business principal, or PermissionDenied (staff use the staff screens)."""
    if principal.kind != "user" or not principal.is_community:
        raise PermissionDenied("only resident and business accounts use the community portal")
    return user_id_of(principal)


def account_id(principal: Principal) -> uuid.UUID:
    """The user id a community principal acts as."""
    return require_community(principal)


# --- sign-up and operator-made accounts ------------------------------------------------------------------------------


def _home_neighborhood(session: Session, lat: float | None, lon: float | None) -> str | None:
    return logic.neighborhood_of(lat, lon, rings(session)) if lat is not None and lon is not None else None


#: Category of the notice to the owner of an address someone tried to sign up with again.
SIGNUP_NOTICE_CATEGORY = "account_notice"


def signup(
    session: Session, data: SignupRequest, *, client_ip: str | None, per_ip_hour: int
) -> CommunityProfile | None:
    """Create a resident/business account (a ``users`` row) and its community profile; abuse-limited per address.

    The caller learns nothing about existing accounts (issue 15): a taken username or e-mail address creates nothing
    and returns None, after the same work as a real sign-up (an argon2 hash, a queued message), and the route gives
    every caller the same answer. The owner of an address that has an account gets an e-mail notice (at most one a
    day). Checks that do not depend on other accounts (the robot trap, the rate limit, the password policy) answer
    as before. Two side doors stay shut too: the new account cannot sign in until its address is confirmed
    (``users.awaiting_confirmation``: until then its sign-in fails like a wrong password, so signing in afterwards
    does not tell whether the name was free), and the rate limit counts every attempt from the address, not the
    accounts made (else a quietly refused one would leave room for one more, and the 429 would tell)."""
    if data.website:
        raise ValidationFailed("sign-up refused", errors=[field_error("website", "must be left empty")])
    now = utcnow()
    hour_ago = now - timedelta(hours=1)
    if client_ip and repository.signup_attempts_since(session, client_ip, hour_ago) >= per_ip_hour:
        raise RateLimited("too many sign-ups from this address; try again later", retry_after_s=3600)
    if client_ip:
        repository.add_signup_attempt(session, client_ip, now, keep_since=hour_ago)
    identity.check_password_policy(data.password, username=data.username)
    existing = repository.profile_by_email(session, data.email)
    if existing is not None or identity.username_taken(session, data.username):
        identity.spend_password_hash(data.password)
        if existing is not None:
            _notify_existing_owner(session, existing)
        logger.info("community sign-up refused quietly (username or address in use)")
        return None
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
        awaiting_confirmation=True,
    )
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
        neighborhood_code=_home_neighborhood(session, data.lat, data.lon),
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


def _notify_existing_owner(session: Session, prof: CommunityProfile) -> None:
    """Tell the owner of an address that someone tried to sign up with it (once a day at most)."""
    notify.enqueue(
        session,
        _recipient_of(prof, confirming=True),
        subject="Someone tried to create an account with your e-mail address",
        body="Someone tried to create a new community account with this e-mail address, which already has one. If "
        "it was you, sign in with your existing account instead. If it was not you, you can ignore this message.",
        category=SIGNUP_NOTICE_CATEGORY,
        dedup_key=f"signup-notice:{prof.user_id}:{utcnow().date().isoformat()}",
    )


def _send_verification(session: Session, prof: CommunityProfile) -> None:
    token = secrets.token_urlsafe(24)
    prof.email_verify_token = token
    prof.email_verified_at = None
    session.flush()
    notify.enqueue(
        session,
        _recipient_of(prof, confirming=True),
        subject="Confirm your e-mail address",
        body="Confirm this address with the link in this message. A new account signs in once its address is "
        "confirmed, and a confirmed address receives community alerts and notices by e-mail.",
        category=VERIFY_CATEGORY,
        link=f"/api/v1/community/verify/{token}",
        dedup_key=f"verify:{token}",
    )


def verify_email(session: Session, token: str) -> ProfileRead:
    """Confirm a profile's e-mail address with the token sent to it (a new sign-up's account can sign in from then
    on)."""
    prof = repository.profile_by_verify_token(session, token)
    if prof is None:
        raise NotFound("unknown or used confirmation link")
    prof.email_verified_at = utcnow()
    prof.email_verify_token = None
    prof.updated_at = prof.email_verified_at
    identity.confirm_account(session, prof.user_id)  # a new sign-up may sign in from now on
    return _profile_read(prof)


def find_account(session: Session, username: str) -> uuid.UUID | None:
    """The user id of the community account with this login name, or None."""
    prof = repository.profile_by_username(session, username)
    return prof.user_id if prof else None


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
                neighborhood_code=_home_neighborhood(session, lat, lon),
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


# --- profiles --------------------------------------------------------------------------------------------------------


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
    """The caller's own profile row, or NotFound (an account made outside the portal may have none)."""
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
        prof.neighborhood_code = _home_neighborhood(session, lat, lon)
    if prof.sms_opt_in and not prof.phone:
        raise ValidationFailed("SMS needs a phone number", errors=[field_error("phone", "required for SMS")])
    prof.updated_at = utcnow()
    if email_changed:
        _send_verification(session, prof)
    return _profile_read(prof)


# --- where messages go -----------------------------------------------------------------------------------------------


def _recipient_of(prof: CommunityProfile, *, confirming: bool = False) -> Recipient:
    """E-mail goes only to a confirmed address the account opted in with (``confirming``: the confirmation itself,
    which goes to the address alone and not to the portal inbox); SMS to the phone of an account opted in to it."""
    verified = prof.email_verified_at is not None or confirming
    return Recipient(
        user_id=prof.user_id,
        email=prof.email if prof.email_opt_in and verified else None,
        phone=prof.phone if prof.sms_opt_in else None,
        inbox=not confirming,
        muted=frozenset(prof.muted_categories or []),
    )


def recipient(session: Session, user_id: uuid.UUID) -> Recipient:
    """Where a message to an account goes (``rtcc.notify.service.enqueue``): its portal inbox, and for a community
    account with a profile its confirmed e-mail and its phone as opted in, minus the categories it muted; a staff
    account (no profile) gets the inbox only."""
    prof = repository.profile(session, user_id)
    return Recipient(user_id=user_id) if prof is None else _recipient_of(prof)
