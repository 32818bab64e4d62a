"""Pure retention rules: the data classes and their periods (contract C3), the cut-off of a class, the legal-hold
state machine, and what a hold request must contain. No I/O here.

Approval rule (two-person): a hold is placed by ``holds:request`` and approved (or denied) by a holder of
``holds:approve`` (supervisor, admin) who is not the requester. A hold needs a review date in the future; once the
review date has passed the hold shows as "review due" but stays active until someone releases it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from pathlib import Path

from rtcc.core.errors import Conflict, PermissionDenied, ValidationFailed, field_error


class DataClass(StrEnum):
    """The data classes with their own retention period."""

    reads_nonhit = "reads_nonhit"
    reads_hit = "reads_hit"
    images = "images"
    alerts = "alerts"
    audit = "audit"


#: Order of a purge pass: reads first (their image files go with them), then images of the reads that stay, then
#: alerts; audit last.
PURGE_ORDER: tuple[DataClass, ...] = (
    DataClass.reads_nonhit,
    DataClass.reads_hit,
    DataClass.images,
    DataClass.alerts,
    DataClass.audit,
)

DESCRIPTIONS: dict[DataClass, str] = {
    DataClass.reads_nonhit: "ALPR reads that matched no hotlist entry (no match record)",
    DataClass.reads_hit: "ALPR reads that hit a hotlist entry (have match records), kept while an open alert links "
    "them; a closed alert keeps its own snapshot and loses the link",
    DataClass.images: "scene image and plate crop references of reads, and the local files they point to",
    DataClass.alerts: "closed or rejected alerts and their transitions, counted from when they were closed",
    DataClass.audit: "audit log entries; the purge records a checkpoint so the chain still verifies",
}

#: Classes a legal hold can keep (the audit log is the record of the holds themselves and is never held).
HOLDABLE: frozenset[DataClass] = frozenset(
    {DataClass.reads_nonhit, DataClass.reads_hit, DataClass.images, DataClass.alerts}
)


@dataclass(frozen=True)
class RetentionClass:
    """One data class of the retention policy: its name, period in days and what it covers."""

    name: str
    days: int
    description: str


def build_policy(days: Mapping[DataClass, int]) -> list[RetentionClass]:
    """The policy (one entry per class, in purge order) from the period of each class."""
    return [RetentionClass(name=c.value, days=int(days[c]), description=DESCRIPTIONS[c]) for c in PURGE_ORDER]


def cutoff(now: datetime, days: int) -> datetime:
    """Data older than this instant is due for purging."""
    if now.utcoffset() is None:
        raise ValueError("now must be timezone-aware")
    return now - timedelta(days=days)


def parse_classes(names: list[str] | None) -> list[DataClass]:
    """The classes named (all, in purge order, when none); raises ValidationFailed naming ``class``."""
    if not names:
        return list(PURGE_ORDER)
    chosen: set[DataClass] = set()
    for n in names:
        try:
            chosen.add(DataClass(n))
        except ValueError:
            raise ValidationFailed(
                f"unknown data class {n!r}; choose from {', '.join(c.value for c in PURGE_ORDER)}",
                errors=[field_error("class", f"unknown data class {n!r}")],
            ) from None
    return [c for c in PURGE_ORDER if c in chosen]


class HoldStatus(StrEnum):
    requested = "requested"
    active = "active"
    denied = "denied"
    released = "released"


class HoldAction(StrEnum):
    approve = "approve"
    deny = "deny"
    release = "release"


_HOLD_TRANSITIONS: dict[tuple[HoldStatus, HoldAction], HoldStatus] = {
    (HoldStatus.requested, HoldAction.approve): HoldStatus.active,
    (HoldStatus.requested, HoldAction.deny): HoldStatus.denied,
    (HoldStatus.active, HoldAction.release): HoldStatus.released,
}


def next_hold_status(status: str, action: HoldAction) -> HoldStatus:
    """The status ``action`` leads to; raises Conflict when the hold is not in a state that allows it."""
    target = _HOLD_TRANSITIONS.get((HoldStatus(status), action))
    if target is None:
        raise Conflict(f"cannot {action.value} a hold that is {status}")
    return target


def check_decider(requested_by: str, decider: str) -> None:
    """The two-person rule: whoever requested a hold may not approve or deny it."""
    if requested_by == decider:
        raise PermissionDenied("a hold must be approved or denied by someone other than its requester")


def check_review_date(review_date: date | None, today: date, max_days: int | None = None) -> date:
    """A review date is required and must lie in the future (at most ``max_days`` ahead); raises ValidationFailed
    naming ``review_date``."""
    if review_date is None:
        raise ValidationFailed(
            "a legal hold needs a review date", errors=[field_error("review_date", "field required")]
        )
    if review_date <= today:
        raise ValidationFailed(
            f"review_date {review_date.isoformat()} must be after today ({today.isoformat()})",
            errors=[field_error("review_date", "must be in the future")],
        )
    if max_days is not None and (review_date - today).days > max_days:
        raise ValidationFailed(
            f"review_date {review_date.isoformat()} is more than {max_days} days ahead; review holds at least yearly",
            errors=[field_error("review_date", f"at most {max_days} days ahead")],
        )
    return review_date


def check_scope(
    *,
    plates: list[str],
    read_ids: list[str],
    alert_ids: list[str],
    camera_codes: list[str],
    time_from: datetime | None,
    time_to: datetime | None,
    max_window_days: int | None = None,
) -> None:
    """A hold must select something, and its time range must be ordered; a hold that selects by camera or time alone
    (no plates, reads or alerts) must give both ends of a range at most ``max_window_days`` long. Raises
    ValidationFailed naming the field."""
    if not (plates or read_ids or alert_ids or camera_codes or time_from or time_to):
        raise ValidationFailed(
            "a legal hold must select data: plates, read_ids, alert_ids, camera_codes or a time range",
            errors=[field_error("plates", "no scope selector given")],
        )
    if time_from is not None and time_to is not None and time_to < time_from:
        raise ValidationFailed(
            "time_to is before time_from", errors=[field_error("time_to", "must not be before time_from")]
        )
    if max_window_days is None or plates or read_ids or alert_ids:
        return
    for name, value in (("time_from", time_from), ("time_to", time_to)):
        if value is None:
            raise ValidationFailed(
                f"{name}: a hold selecting by camera or time alone needs time_from and time_to",
                errors=[field_error(name, "required when no plates, read_ids or alert_ids are given")],
            )
    assert time_from is not None and time_to is not None
    if (time_to - time_from).total_seconds() > max_window_days * 86400:
        raise ValidationFailed(
            f"time_to: a hold selecting by camera or time alone spans at most {max_window_days} days",
            errors=[field_error("time_to", f"at most {max_window_days} days after time_from")],
        )


def review_due(status: str, review_date: date, today: date) -> bool:
    """An active hold whose review date has come shows as "review due" (it stays active)."""
    return status == HoldStatus.active and review_date <= today


def local_file(ref: str, data_dir: Path) -> Path | None:
    """The file under ``data_dir`` an image reference points to (``file://`` URL, absolute or relative path), or
    None for remote or vendor references (``https://``, ``openalpr:``) and for anything outside ``data_dir``."""
    text = ref.strip()
    if not text:
        return None
    if text.startswith("file://"):
        text = text[len("file://") :]
    else:
        scheme = text.split(":", 1)[0] if ":" in text else ""
        if len(scheme) > 1 and "/" not in scheme:  # a URL or vendor key, not a path
            return None
    root = data_dir.resolve()
    path = Path(text)
    candidate = (path if path.is_absolute() else root / path).resolve()
    if candidate == root or not candidate.is_relative_to(root):
        return None
    return candidate


#: The smallest batch the adaptive sizing goes down to, and the size it starts from.
MIN_BATCH = 100
FIRST_BATCH = 500


def next_batch_size(
    current: int, held_ms: float, *, target_ms: float, largest: int, work_ms: float | None = None
) -> int:
    """The next batch size after a batch of ``current`` rows whose write transaction held the writer ``held_ms``.

    A batch's time is modelled as a fixed part (commit, audit entry, hold re-check) plus a per-row part: ``work_ms``
    is the time of the purge statements alone (None: count all of ``held_ms`` as per-row work). The next size is the
    one whose per-row work fits what the fixed part leaves of 90 % of ``target_ms`` (but never less than half the
    target: the fixed part is paid by every batch, so smaller batches would only pay it more often), at most double
    the current size, at least ``MIN_BATCH`` and at most ``largest``."""
    if target_ms <= 0:
        return largest
    work = held_ms if work_ms is None else min(max(work_ms, 0.0), held_ms)
    fixed = held_ms - work
    per_row = work / max(current, 1)
    budget = max(target_ms * 0.9 - fixed, target_ms * 0.5)
    ideal = largest if per_row <= 0 else int(budget / per_row)
    return max(min(MIN_BATCH, largest), min(largest, max(current, 1) * 2, ideal))
