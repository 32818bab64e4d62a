"""Domain manifests: the one declaration of what a domain adds to a process.

Each domain's ``manifest.py`` defines ``MANIFEST``: its tables (``models``), its HTTP router, its CLI groups, its
settings mixin, its background services (consumers and scheduled jobs), each service with the ``rtcc worker``
role that runs it in production, and the route classes whose request bodies may be larger than an ordinary API
call's (``bodies``). ``rtcc.domains`` lists the manifests, and everything that used to keep its own list
iterates them: the app's routers and lifespan hooks, the worker roles, the CLI groups and the models registry. The
settings class still names its mixins itself (the type checker needs static bases); a test checks it against the
manifests.

References are ``"module:attribute"`` strings, imported only when used, so that reading the manifests imports no
domain code (``rtcc --help`` stays fast and nothing happens at import time).
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from typing import Any


def load(ref: str) -> Any:
    """Import ``"package.module:attribute"`` and return the attribute."""
    module, _, attr = ref.partition(":")
    if not attr:
        raise ValueError(f"manifest reference {ref!r} must be 'module:attribute'")
    return getattr(importlib.import_module(module), attr)


@dataclass(frozen=True)
class Service:
    """A background service: ``start``/``stop`` are ``async (runtime) -> None`` hooks.

    ``role`` is the ``rtcc worker`` role that runs it in production (None: it runs in every API process, like the
    live hub); ``also_in`` names further worker roles that need it too (the ingest writer serves both the API
    process and ``rtcc worker ingest``). ``embedded`` says whether the API process runs it in the embedded profile
    (``run_consumers``).
    ``requires`` names a setting that must be set: a worker role refuses to start without it, the embedded profile
    skips the service. ``ingress`` services (sensor sources) start after every consumer, so nothing they store
    waits for a consumer that is not subscribed yet.
    """

    name: str
    start: str
    stop: str
    role: str | None
    also_in: tuple[str, ...] = ()
    embedded: bool = True
    requires: str | None = None
    ingress: bool = False


@dataclass(frozen=True)
class StagedWork:
    """Work a domain commits with each staged event of type ``event`` (``rtcc.bus.outbox.stage``), in the stager's
    transaction, on a single-writer database (SQLite) only. There a consumer doing the same work in transactions of
    its own takes the file's one write lock each time, and ingest waits for it; here the work joins the transaction
    that stores what the event describes. ``handler`` is ``module:function(session, envelopes)``; the process installs
    it on its ``Database`` (``Database.staged_work``), and the domain's consumer leaves alone what is done so."""

    event: str
    handler: str


@dataclass(frozen=True)
class CliGroup:
    """A ``typer.Typer`` sub-command group (``"module:attribute"``) mounted as ``rtcc <name>``."""

    name: str
    app: str


@dataclass(frozen=True)
class BodyClass:
    """A route class with its own request body limit (``rtcc.core.bodylimit``): request paths matching ``pattern``
    (a regular expression, ``re.match`` on the path) may carry as many bytes as the settings attribute ``limit``
    says; ``json`` lets the limit apply to JSON bodies too (otherwise they get ``body_max_json_bytes``)."""

    pattern: str
    limit: str
    json: bool = False


@dataclass(frozen=True)
class Manifest:
    """What one domain contributes (see the module docstring)."""

    name: str
    models: str | None = None
    router: str | None = None
    #: Routes called once per sensor event (a camera's read), mounted before every domain's ``router``: the
    #: framework matches a path by trying the routes in order, and behind a hundred others that search cost a
    #: single-read request more than its own route did. Paths must not overlap another router's.
    hot_router: str | None = None
    #: ``module:attr`` of a ``{path: handler}`` map that ``rtcc.core.hotlane.HotLane`` serves ahead of every route,
    #: for the ``hot_router``'s per-event POSTs (each path must be one of its routes, with the same permission).
    hot_lane: str | None = None
    cli: tuple[CliGroup, ...] = ()
    settings: str | None = None
    services: tuple[Service, ...] = field(default_factory=tuple)
    bodies: tuple[BodyClass, ...] = ()
    staged: tuple[StagedWork, ...] = ()
