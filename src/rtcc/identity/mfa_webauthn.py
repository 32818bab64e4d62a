"""WebAuthn second factors (use cases): registering a security key or passkey and checking its assertion at sign-in,
with the ``webauthn`` package (py_webauthn). The challenge handed to the browser is kept on the sign-in challenge row
(``MfaChallenge.webauthn_challenge``), so any API process can check the answer. Audited like every MFA event.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session
from webauthn import (
    base64url_to_bytes,
    generate_authentication_options,
    generate_registration_options,
    options_to_json,
    verify_authentication_response,
    verify_registration_response,
)
from webauthn.helpers import bytes_to_base64url
from webauthn.helpers.exceptions import InvalidAuthenticationResponse, InvalidRegistrationResponse
from webauthn.helpers.structs import (
    AuthenticatorSelectionCriteria,
    PublicKeyCredentialDescriptor,
    ResidentKeyRequirement,
    UserVerificationRequirement,
)

from rtcc.core.clock import utcnow
from rtcc.core.errors import invalid
from rtcc.identity import mfa
from rtcc.identity.models import MfaChallenge, MfaFactor, User


@dataclass(frozen=True)
class RelyingParty:
    """Who the browser registers with: the site's domain (``id``) and the origins a response may come from."""

    id: str
    origins: list[str]
    name: str = mfa.ISSUER


def _descriptors(session: Session, user: User) -> list[PublicKeyCredentialDescriptor]:
    return [
        PublicKeyCredentialDescriptor(id=base64url_to_bytes(f.credential_id))
        for f in mfa.factors(session, user.id)
        if f.kind == "webauthn" and f.credential_id
    ]


def registration_options(session: Session, ch: MfaChallenge, user: User, rp: RelyingParty) -> dict[str, Any]:
    """Options for ``navigator.credentials.create`` (JSON-ready); the challenge is kept on ``ch``."""
    options = generate_registration_options(
        rp_id=rp.id,
        rp_name=rp.name,
        user_name=user.username,
        user_id=user.id.bytes,
        user_display_name=user.display_name,
        exclude_credentials=_descriptors(session, user),
        authenticator_selection=AuthenticatorSelectionCriteria(
            resident_key=ResidentKeyRequirement.DISCOURAGED,
            user_verification=UserVerificationRequirement.PREFERRED,
        ),
    )
    ch.webauthn_challenge = bytes_to_base64url(options.challenge)
    parsed: dict[str, Any] = json.loads(options_to_json(options))
    return parsed


def register(
    session: Session,
    ch: MfaChallenge,
    user: User,
    credential: dict[str, Any],
    rp: RelyingParty,
    *,
    name: str,
    max_failures: int,
) -> tuple[MfaFactor, list[str]]:
    """Check a ``navigator.credentials.create`` answer and store the credential (audited ``mfa.enrol``); returns
    the factor and new recovery codes when the user had none."""
    if not ch.webauthn_challenge:
        raise invalid("credential", "ask for registration options first")
    try:
        verified = verify_registration_response(
            credential=credential,
            expected_challenge=base64url_to_bytes(ch.webauthn_challenge),
            expected_rp_id=rp.id,
            expected_origin=rp.origins,
        )
    except (InvalidRegistrationResponse, ValueError, KeyError, TypeError) as exc:
        ch.webauthn_challenge = None
        raise mfa.fail(session, ch, user, "webauthn_enrol", max_failures=max_failures) from exc
    ch.webauthn_challenge = None
    now = utcnow()
    factor = MfaFactor(
        user_id=user.id,
        kind="webauthn",
        name=name,
        credential_id=bytes_to_base64url(verified.credential_id),
        public_key=bytes_to_base64url(verified.credential_public_key),
        sign_count=verified.sign_count,
        created_at=now,
        confirmed_at=now,
    )
    session.add(factor)
    session.flush()
    mfa.audit_event(session, user, "mfa.enrol", method="webauthn", factor=str(factor.id), name=name)
    codes = [] if mfa.recovery_codes_left(session, user.id) else mfa.new_recovery_codes(session, user)
    return factor, codes


def authentication_options(session: Session, ch: MfaChallenge, user: User, rp: RelyingParty) -> dict[str, Any]:
    """Options for ``navigator.credentials.get`` over the user's registered credentials; challenge kept on ``ch``."""
    allowed = _descriptors(session, user)
    if not allowed:
        raise invalid("method", "no security key is registered for this account")
    options = generate_authentication_options(
        rp_id=rp.id, allow_credentials=allowed, user_verification=UserVerificationRequirement.PREFERRED
    )
    ch.webauthn_challenge = bytes_to_base64url(options.challenge)
    parsed: dict[str, Any] = json.loads(options_to_json(options))
    return parsed


def authenticate(
    session: Session, ch: MfaChallenge, user: User, credential: dict[str, Any], rp: RelyingParty
) -> MfaFactor | None:
    """The user's WebAuthn factor a ``navigator.credentials.get`` answer proves (its counter moved on), or None."""
    if not ch.webauthn_challenge:
        return None
    expected = base64url_to_bytes(ch.webauthn_challenge)
    ch.webauthn_challenge = None  # one answer per challenge
    raw_id = str(credential.get("id") or credential.get("rawId") or "")
    factor = next(
        (f for f in mfa.factors(session, user.id) if f.kind == "webauthn" and f.credential_id == raw_id), None
    )
    if factor is None or not factor.public_key:
        return None
    try:
        verified = verify_authentication_response(
            credential=credential,
            expected_challenge=expected,
            expected_rp_id=rp.id,
            expected_origin=rp.origins,
            credential_public_key=base64url_to_bytes(factor.public_key),
            credential_current_sign_count=factor.sign_count,
        )
    except (InvalidAuthenticationResponse, ValueError, KeyError, TypeError):
        return None
    factor.sign_count = verified.new_sign_count
    return factor
