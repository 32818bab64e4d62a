"""Alert subscriptions of community accounts: subscribe to public alerts of chosen categories in a neighborhood or
within a radius of a point, on e-mail and/or SMS; list and end one's own subscriptions; and the one-click unsubscribe
link every message carries (its token ends the subscription that caused the message, or mutes the message's
category for direct mail). Ending a subscription cancels its unsent messages in the notify domain's outbox.
"""

from __future__ import annotations

import uuid

from sqlalchemy.orm import Session

from rtcc.community import logic, neighborhoods, repository
from rtcc.community.accounts import own_profile, require_community
from rtcc.community.models import Subscription
from rtcc.community.schemas import SubscriptionCreate, UnsubscribeResult
from rtcc.core.clock import utcnow
from rtcc.core.errors import NotFound, ValidationFailed, field_error
from rtcc.identity.logic import Principal
from rtcc.notify import service as notify


def subscribe(session: Session, principal: Principal, data: SubscriptionCreate) -> Subscription:
    """Subscribe the caller to alerts in an area and categories, on the channels chosen."""
    prof = own_profile(session, principal)
    if data.neighborhood_code is not None:
        neighborhoods.get(session, data.neighborhood_code, "neighborhood_code")
    if "sms" in data.channels and not prof.phone:
        raise ValidationFailed("SMS needs a phone number on the profile", errors=[field_error("channels", "sms")])
    code = data.neighborhood_code
    if code is None and data.lat is not None and data.lon is not None:
        # the centre's neighborhood, for neighborhood alerts
        code = logic.neighborhood_of(data.lat, data.lon, neighborhoods.rings(session))
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
    notify.cancel_pending_for_subscription(session, sub.id)


def unsubscribe_by_token(session: Session, token: str) -> UnsubscribeResult:
    """One-click unsubscribe: the token of a message ends its subscription, or mutes its category for direct mail."""
    message = notify.message_by_token(session, token)
    if message is None:
        raise NotFound("unknown or expired unsubscribe link")
    if message.subscription_id is not None:
        sub = session.get(Subscription, message.subscription_id)
        if sub is not None:
            _end(session, sub)
        return UnsubscribeResult(done=True, what="subscription")
    prof = repository.profile(session, message.user_id)
    if prof is not None and message.category not in (prof.muted_categories or []):
        prof.muted_categories = [*(prof.muted_categories or []), message.category]
        prof.updated_at = utcnow()
    return UnsubscribeResult(done=True, what=f"category:{message.category}")
