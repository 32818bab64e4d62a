"""The division scope of the work in progress, and the one helper every repository uses to honour it.

A large city's police is split into divisions (stations); an analyst of one division sees that division's cameras,
reads, alerts, calls and units only. Who sees what is decided once per request by ``rtcc.identity.divisions`` (from
the signed-in user, the role's ``divisions:all`` and an audited ``division``/``purpose`` reach) and put here, in a
context variable that follows the request into the worker thread that runs it. Repositories then add one call per
read: ``divisions.scoped(stmt, Model.division)``, or ``scoped_via`` for rows that belong to a division through
another table (a read through its camera). Nothing set (a worker, the CLI, a sensor's or another agency's key) means
no restriction: the scope narrows what people see, it never stops the machinery.

On PostgreSQL the same scope is also the database's own second wall: every transaction of a scoped request starts
with ``set_config('rtcc.divisions', '<codes>', true)`` (transaction-local), and row-level security policies on the
scoped tables (migration ``0030``) keep rows of other divisions out of any query, even one that forgot the filter.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Iterator
from contextvars import ContextVar, Token
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, Select, select
from sqlalchemy.orm import QueryableAttribute, Session

#: Any SELECT statement (of any number of columns).
S = TypeVar("S", bound=Select[*tuple[Any, ...]])
#: A column a statement is filtered on: a table's column or a mapped attribute.
Col = ColumnElement[Any] | QueryableAttribute[Any]

#: The PostgreSQL setting the row-level security policies read (``current_setting('rtcc.divisions', true)``).
SETTING = "rtcc.divisions"
#: The setting's value for a scope holding no division (sees no scoped row); no division code is ``-``.
NO_DIVISION = "-"

#: The divisions the current request may see; None means unrestricted (workers, CLI, RTCC-wide roles).
_SCOPE: ContextVar[frozenset[str] | None] = ContextVar("rtcc_divisions", default=None)


def current() -> frozenset[str] | None:
    """The divisions the work in progress may see, or None when it is not restricted."""
    return _SCOPE.get()


def set_scope(codes: Iterable[str] | None) -> Token[frozenset[str] | None]:
    """Restrict the work in progress (this context and what it starts) to ``codes``; None lifts the restriction."""
    return _SCOPE.set(None if codes is None else frozenset(codes))


@contextlib.contextmanager
def scope(codes: Iterable[str] | None) -> Iterator[None]:
    """``set_scope`` for the length of a ``with`` block (tests, jobs acting for one division)."""
    token = set_scope(codes)
    try:
        yield
    finally:
        _SCOPE.reset(token)


def allows(division: str | None) -> bool:
    """Whether a row of ``division`` is inside the current scope (for rows already loaded, e.g. live events)."""
    codes = _SCOPE.get()
    return codes is None or (division is not None and division in codes)


def condition(column: Col) -> ColumnElement[bool] | None:
    """``column IN (scope)``, or None when unrestricted."""
    codes = _SCOPE.get()
    return None if codes is None else column.in_(sorted(codes))


def scoped(stmt: S, column: Col) -> S:
    """``stmt`` limited to rows whose division ``column`` is in the current scope (unchanged when unrestricted)."""
    cond = condition(column)
    return stmt if cond is None else stmt.where(cond)


def scoped_via(stmt: S, key: Col, owner_key: Col, owner_division: Col) -> S:
    """``stmt`` limited to rows whose ``key`` points at an owner row (``owner_key``) of a division in scope: a read
    through its camera (``Read.camera_id`` -> ``Camera.id``, ``Camera.division``)."""
    codes = _SCOPE.get()
    if codes is None:
        return stmt
    return stmt.where(key.in_(select(owner_key).where(owner_division.in_(sorted(codes)))))


def setting_value(codes: frozenset[str] | None) -> str | None:
    """The value of ``rtcc.divisions`` for a scope: the codes joined by commas, ``-`` for none, None unrestricted."""
    if codes is None:
        return None
    return ",".join(sorted(codes)) or NO_DIVISION


def on_begin(session: Session, _transaction: Any, connection: Any) -> None:
    """Session ``after_begin`` hook (PostgreSQL): put the request's scope into the transaction for the row-level
    security policies. Unrestricted work sets nothing, which the policies read as no restriction."""
    value = setting_value(_SCOPE.get())
    if value is not None:
        connection.exec_driver_sql("SELECT set_config(%(name)s, %(value)s, true)", {"name": SETTING, "value": value})
