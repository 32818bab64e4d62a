"""Queries on users, login sessions and API keys (never commits)."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.orm import Session

from rtcc.core import divisions
from rtcc.identity.models import ApiKey, LoginSession, User


def user_by_username(session: Session, username: str) -> User | None:
    """The user with this username, or None."""
    return session.scalars(select(User).where(User.username == username)).first()


def user_by_id(session: Session, user_id: uuid.UUID) -> User | None:
    """The user with this id, or None."""
    return session.get(User, user_id)


def list_users(session: Session) -> list[User]:
    """All users by username."""
    return list(session.scalars(divisions.scoped(select(User), User.division).order_by(User.username)))


def login_session(session: Session, token_hash: str) -> LoginSession | None:
    """The login session stored under a token hash, or None."""
    return session.get(LoginSession, token_hash)


def api_key_by_prefix(session: Session, prefix: str) -> ApiKey | None:
    """The API key with this public prefix, or None."""
    return session.scalars(select(ApiKey).where(ApiKey.prefix == prefix)).first()


def list_api_keys(session: Session) -> list[ApiKey]:
    """All API keys, newest first."""
    return list(session.scalars(select(ApiKey).order_by(ApiKey.created_at.desc())))


def open_sessions(session: Session, user_id: uuid.UUID) -> list[LoginSession]:
    """A user's login sessions that have not ended (expired ones included: ending them too is harmless)."""
    stmt = select(LoginSession).where(LoginSession.user_id == user_id, LoginSession.ended_at.is_(None))
    return list(session.scalars(stmt))
