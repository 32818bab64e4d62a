"""HTTP routes of the second factor: the sign-in's second step, enrolling TOTP apps and security keys (WebAuthn),
recovery codes, and a user's own list of factors. Included in ``identity.routes.router``.

Routes that work during sign-in take the challenge token from ``POST /auth/login`` (they are ``public()``: the token is
the credential); without a token they act for the signed-in user (``self:read``), checked in ``_subject``.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Request, Response
from sqlalchemy.orm import Session

from rtcc.core.errors import DomainError, NotAuthenticated, PermissionDenied, invalid
from rtcc.deps import DbDep, SettingsDep
from rtcc.identity import mfa, mfa_webauthn, secretbox, service, throttle
from rtcc.identity.deps import authenticate, public, require
from rtcc.identity.logic import STAFF_ROLES, Perm, Principal, Role
from rtcc.identity.models import MfaChallenge, User
from rtcc.identity.schemas import (
    LoginResponse,
    MfaEnrolled,
    MfaFactorRead,
    MfaStart,
    MfaStatus,
    MfaVerify,
    RecoveryCodes,
    TotpConfirm,
    TotpSetup,
    UserRead,
    WebauthnOptions,
    WebauthnRegister,
)
from rtcc.identity.secretbox import SecretBox
from rtcc.settings import Settings

router = APIRouter(prefix="/api/v1/auth/mfa", tags=["identity"])
_CHALLENGE_401: dict[int | str, dict[str, Any]] = {
    401: {"description": "Challenge unknown, used or expired; or the code is not right."}
}


def secret_box(settings: Settings) -> SecretBox:
    """The keys that seal TOTP secrets (``RTCC_MFA_KEY_FILE``; a default file in the data directory is made once)."""
    return secretbox.load(secretbox.default_path(settings.data_dir, settings.mfa_key_file))


def _client(request: Request) -> str | None:
    return request.client.host if request.client else None


def _rp(request: Request, settings: Settings) -> mfa_webauthn.RelyingParty:
    origin = f"{request.url.scheme}://{request.url.netloc}"
    return mfa_webauthn.RelyingParty(
        id=settings.webauthn_rp_id or request.url.hostname or "localhost",
        origins=list(settings.webauthn_origins) or [origin],
    )


def _signed_in(request: Request, token: str | None) -> Principal | None:
    """The signed-in principal when no challenge token is given (resolved before the unit of work opens: resolving
    may write the session's last-seen time in a transaction of its own)."""
    if token:
        return None
    principal = authenticate(request)
    if principal.kind != "user" or not principal.can(Perm.self_read):
        raise PermissionDenied("sign in as a user to add a second factor")
    return principal


def _subject(
    session: Session, request: Request, token: str | None, principal: Principal | None, settings: Settings
) -> tuple[MfaChallenge, User, str]:
    """The challenge, user and token a request to add a factor acts on: the sign-in challenge it names, or (signed
    in, no token) a new enrolment challenge for the signed-in user."""
    if token:
        ch, user = mfa.challenge(session, token)
        _may_enrol(session, ch, user)
        return ch, user, token
    assert principal is not None
    user = service.get_user(session, uuid.UUID(principal.id))
    fresh = mfa.start(session, user, purpose="enrol", ttl_s=settings.mfa_challenge_s, client=_client(request))
    ch, user = mfa.challenge(session, fresh)
    return ch, user, fresh


def _may_enrol(session: Session, ch: MfaChallenge, user: User) -> None:
    """A sign-in challenge (password only) may enrol the first factor, never add one to an account that has one:
    that would let a stolen password bypass the second factor."""
    if ch.purpose == "login" and mfa.factors(session, user.id):
        raise PermissionDenied("this account has a second factor: sign in with it, then add another")


def _finish(
    session: Session, ch: MfaChallenge, user: User, method: str, settings: Settings, client: str | None
) -> LoginResponse | None:
    """After a right factor (the challenge is closed): a sign-in challenge opens the session."""
    if ch.purpose != "login":
        return None
    result = service.open_session(session, user, max_hours=settings.session_max_hours, client=client, mfa=method)
    return LoginResponse(
        token=result.token, expires_at=result.login.expires_at, user=UserRead.model_validate(result.user)
    )


def _commit_then_raise(db: DbDep, work: object) -> object:
    """Run ``work(session)`` in a unit of work; a refusal raised inside is committed (failures are counted and
    audited) and then raised."""
    failure: DomainError | None = None
    out: object = None
    with db.uow() as session:
        try:
            out = work(session)  # type: ignore[operator]
        except (NotAuthenticated, throttle.LoginThrottled) as exc:
            failure = exc
    if failure is not None:
        raise failure
    return out


@router.post("/verify", dependencies=[public()], responses=_CHALLENGE_401)
def verify(body: MfaVerify, request: Request, response: Response, db: DbDep, settings: SettingsDep) -> LoginResponse:
    """The second step of a sign-in: a TOTP code, a recovery code or a WebAuthn answer; sets the session cookie."""
    from rtcc.identity.signin import set_session_cookie, throttle_limits

    client = _client(request)

    def work(session: Session) -> LoginResponse:
        ch, user = mfa.challenge(session, body.challenge)
        if ch.purpose != "login":
            raise NotAuthenticated("not a sign-in challenge")
        throttle.check(session, user.username, client)
        factor = None
        ok = False
        if body.method == "totp":
            factor = mfa.totp_verify(session, user, body.code or "", box=secret_box(settings))
            ok = factor is not None
        elif body.method == "recovery":
            ok = mfa.recovery_use(session, user, body.code or "")
        else:
            factor = mfa_webauthn.authenticate(session, ch, user, body.credential or {}, _rp(request, settings))
            ok = factor is not None
        if not ok:
            error = mfa.fail(session, ch, user, body.method, max_failures=settings.mfa_max_failures)
            throttle.record_failure(session, user.username, client, throttle_limits(settings), audit_it=False)
            raise error
        mfa.succeed(session, ch, user, body.method, factor)
        out = _finish(session, ch, user, body.method, settings, client)
        assert out is not None
        return out

    out = _commit_then_raise(db, work)
    assert isinstance(out, LoginResponse)
    set_session_cookie(response, out, settings)
    return out


@router.post("/totp/setup", dependencies=[public()], responses=_CHALLENGE_401)
def totp_setup(body: MfaStart, request: Request, db: DbDep, settings: SettingsDep) -> TotpSetup:
    """A new TOTP secret and its otpauth:// URI to scan; confirm it with a first code."""
    principal = _signed_in(request, body.challenge)
    with db.uow() as session:
        ch, user, token = _subject(session, request, body.challenge, principal, settings)
        secret, uri = mfa.totp_begin(session, ch, user, box=secret_box(settings))
        return TotpSetup(challenge=token, secret=secret, uri=uri)


@router.post("/totp/confirm", dependencies=[public()], responses=_CHALLENGE_401)
def totp_confirm(
    body: TotpConfirm, request: Request, response: Response, db: DbDep, settings: SettingsDep
) -> MfaEnrolled:
    """Store the TOTP app once its first code is right; during sign-in this also signs in. Recovery codes are
    returned once when the account had none."""
    from rtcc.identity.signin import set_session_cookie

    client = _client(request)

    def work(session: Session) -> MfaEnrolled:
        ch, user = mfa.challenge(session, body.challenge)
        _may_enrol(session, ch, user)
        factor, codes = mfa.totp_confirm(
            session,
            ch,
            user,
            body.code,
            name=body.name,
            max_failures=settings.mfa_max_failures,
            box=secret_box(settings),
        )
        mfa.succeed(session, ch, user, "totp_enrol", factor)
        out = _finish(session, ch, user, "totp", settings, client)
        return MfaEnrolled(factor=MfaFactorRead.model_validate(factor), recovery_codes=codes, session=out)

    out = _commit_then_raise(db, work)
    assert isinstance(out, MfaEnrolled)
    if out.session is not None:
        set_session_cookie(response, out.session, settings)
    return out


@router.post("/webauthn/register/options", dependencies=[public()], responses=_CHALLENGE_401)
def webauthn_register_options(body: MfaStart, request: Request, db: DbDep, settings: SettingsDep) -> WebauthnOptions:
    """Options for navigator.credentials.create() to register a security key or passkey."""
    principal = _signed_in(request, body.challenge)
    with db.uow() as session:
        ch, user, token = _subject(session, request, body.challenge, principal, settings)
        options = mfa_webauthn.registration_options(session, ch, user, _rp(request, settings))
        return WebauthnOptions(challenge=token, options=options)


@router.post("/webauthn/register", dependencies=[public()], responses=_CHALLENGE_401)
def webauthn_register(
    body: WebauthnRegister, request: Request, response: Response, db: DbDep, settings: SettingsDep
) -> MfaEnrolled:
    """Store a security key from the browser's answer; during sign-in this also signs in."""
    from rtcc.identity.signin import set_session_cookie

    client = _client(request)

    def work(session: Session) -> MfaEnrolled:
        ch, user = mfa.challenge(session, body.challenge)
        _may_enrol(session, ch, user)
        factor, codes = mfa_webauthn.register(
            session,
            ch,
            user,
            body.credential,
            _rp(request, settings),
            name=body.name,
            max_failures=settings.mfa_max_failures,
        )
        mfa.succeed(session, ch, user, "webauthn_enrol", factor)
        out = _finish(session, ch, user, "webauthn", settings, client)
        return MfaEnrolled(factor=MfaFactorRead.model_validate(factor), recovery_codes=codes, session=out)

    out = _commit_then_raise(db, work)
    assert isinstance(out, MfaEnrolled)
    if out.session is not None:
        set_session_cookie(response, out.session, settings)
    return out


@router.post("/webauthn/options", dependencies=[public()], responses=_CHALLENGE_401)
def webauthn_options(body: MfaStart, request: Request, db: DbDep, settings: SettingsDep) -> WebauthnOptions:
    """Options for navigator.credentials.get() during sign-in (answer with POST /auth/mfa/verify, method webauthn)."""
    if not body.challenge:
        raise invalid("challenge", "required: the token from POST /auth/login")
    with db.uow() as session:
        ch, user = mfa.challenge(session, body.challenge)
        options = mfa_webauthn.authentication_options(session, ch, user, _rp(request, settings))
        return WebauthnOptions(challenge=body.challenge, options=options)


def _me(session: Session, principal: Principal) -> User:
    if principal.kind != "user":
        raise PermissionDenied("only a signed-in user has second factors")
    return service.get_user(session, uuid.UUID(principal.id))


@router.get("")
def my_mfa(db: DbDep, settings: SettingsDep, principal: Annotated[Principal, require(Perm.self_read)]) -> MfaStatus:
    """My second factors and how many recovery codes I have left."""
    with db.read() as session:
        user = _me(session, principal)
        return MfaStatus(
            required=settings.mfa_required and Role(user.role) in STAFF_ROLES,
            factors=[MfaFactorRead.model_validate(f) for f in mfa.factors(session, user.id)],
            recovery_codes_left=mfa.recovery_codes_left(session, user.id),
        )


@router.post("/recovery-codes")
def new_recovery_codes(db: DbDep, principal: Annotated[Principal, require(Perm.self_read)]) -> RecoveryCodes:
    """Ten new recovery codes (the old ones stop working); needs an enrolled factor."""
    with db.uow() as session:
        user = _me(session, principal)
        if not mfa.factors(session, user.id):
            raise invalid("factors", "enrol a TOTP app or a security key first")
        return RecoveryCodes(codes=mfa.new_recovery_codes(session, user))


@router.delete("/factors/{factor_id}", status_code=204)
def remove_factor(
    factor_id: uuid.UUID, db: DbDep, settings: SettingsDep, principal: Annotated[Principal, require(Perm.self_read)]
) -> None:
    """Remove one of my second factors (not the last one while my role requires one)."""
    with db.uow() as session:
        mfa.remove_factor(session, _me(session, principal), factor_id, required=settings.mfa_required)
