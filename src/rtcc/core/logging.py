"""Logging set-up: one format for every process; plates, names and secrets never above DEBUG."""

from __future__ import annotations

import logging


def configure_logging(level: str = "INFO") -> None:
    """Configure the root logger once (idempotent)."""
    root = logging.getLogger()
    if getattr(configure_logging, "_done", False):
        root.setLevel(level.upper())
        return
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root.addHandler(handler)
    root.setLevel(level.upper())
    configure_logging._done = True  # type: ignore[attr-defined]


# --- the HTTP access log ----------------------------------------------------------------------------------------------

#: Query parameters whose values the access log keeps: paging, filters and codes that identify no one. Every other
#: value (plates, case numbers, tokens, names, coordinates, free text) is replaced by ``REDACTED``: deny by default.
SAFE_QUERY_KEYS: frozenset[str] = frozenset(
    {
        "limit", "offset", "cursor", "page", "active", "status", "state", "kind", "since", "until", "before", "after",
        "after_id", "before_seq", "source", "decision", "lang", "format", "fmt", "purpose", "level", "layout",
        "last_event_id", "include_inactive", "open_only", "dry_run", "window_days", "tree_size", "seq", "first",
        "second", "month", "detector", "held", "queue", "count", "n_boot", "docks", "action", "target_type", "mode",
        "category", "sort", "force", "filename_format",
    }
)  # fmt: skip
#: Path segments after which the next segment is a plate, a capability token or a case/call number.
SECRET_AFTER: frozenset[str] = frozenset({"skip", "unsubscribe", "verify", "by-number", "by-case"})
REDACTED = "REDACTED"


def redact_target(target: str) -> str:
    """A request target (path and query) as the access log may show it: the value of every query parameter not in
    ``SAFE_QUERY_KEYS`` and every path segment that follows one of ``SECRET_AFTER`` replaced by ``REDACTED``."""
    path, sep, query = target.partition("?")
    parts = path.split("/")
    for i in range(1, len(parts)):
        if parts[i - 1] in SECRET_AFTER and parts[i]:
            parts[i] = REDACTED
    path = "/".join(parts)
    if not sep:
        return path
    kept = []
    for pair in query.split("&"):
        key, eq, value = pair.partition("=")
        kept.append(pair if not eq or key.lower() in SAFE_QUERY_KEYS or not value else f"{key}={REDACTED}")
    return f"{path}?{'&'.join(kept)}"


class AccessLogRedaction(logging.Filter):
    """Rewrites uvicorn's access log records (``'%s - "%s %s HTTP/%s" %d'``: client, method, target, version,
    status) so that no plate, case number or capability token in a URL reaches the log (``redact_target``)."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(args, tuple) and len(args) >= 3 and isinstance(args[2], str):
            record.args = (*args[:2], redact_target(args[2]), *args[3:])
        return True


def install_access_log_redaction() -> None:
    """Attach ``AccessLogRedaction`` to uvicorn's access logger (idempotent; any server running the app)."""
    access = logging.getLogger("uvicorn.access")
    if not any(isinstance(f, AccessLogRedaction) for f in access.filters):
        access.addFilter(AccessLogRedaction())
