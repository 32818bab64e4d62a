"""Two approvals at once never overspend the budget, and two submissions for one household never both hold it:
threads race on the real database (the program row lock on PostgreSQL, the write lock on SQLite; the unique
household claim on both)."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable
from typing import Any

from rebates_support import STAFF, Resident, apply_fixture, resident_fixture  # noqa: F401 (fixtures)

from rtcc.core.db import Database
from rtcc.rebates import budget, review, service
from rtcc.settings import Settings

Make = Callable[..., Resident]
Apply = Callable[..., uuid.UUID]


def _race(n: int, work: Callable[[int], Any]) -> list[Any]:
    """Run ``work(i)`` for i in range(n) in n threads released together; results (or exceptions) by i."""
    barrier = threading.Barrier(n)
    results: list[Any] = [None] * n

    def run(i: int) -> None:
        barrier.wait()
        try:
            results[i] = work(i)
        except Exception as exc:  # collected and asserted on below
            results[i] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return results


def test_concurrent_approvals_do_not_overspend(db: Database, settings: Settings, resident: Make, apply: Apply) -> None:
    with db.uow() as s:
        budget.set_budget(s, settings, 60_000, actor=STAFF)  # three $200 rebates
    ids = [apply(resident(), i=i) for i in range(8)]

    def approve(i: int) -> str:
        with db.uow() as s:
            return review.approve(s, settings, ids[i], actor=STAFF).status

    results = _race(len(ids), approve)
    assert not [r for r in results if isinstance(r, Exception)], results
    assert sorted(results) == ["approved"] * 3 + ["waitlisted"] * 5
    with db.read() as s:
        p = budget.program(s, settings)
        approved = review.queue(s, statuses=["approved"]).items
    assert (p.committed_cents, p.available_cents, p.waitlisted) == (60_000, 0, 5)
    assert sum(a.rebate_cents for a in approved) == p.committed_cents


def test_concurrent_submissions_for_one_household_claim_it_once(
    db: Database, settings: Settings, resident: Make, apply: Apply
) -> None:
    people = [resident() for _ in range(4)]
    ids = [apply(p, submit=False, address="77 Cedar Lane, Unit 2") for p in people]

    def submit(i: int) -> str:
        with db.uow() as s:
            return service.submit(s, settings, ids[i], actor=people[i].principal).status

    results = _race(len(ids), submit)
    assert not [r for r in results if isinstance(r, Exception)], results
    assert sorted(results) == ["eligible"] + ["ineligible"] * 3
