"""``repository.page_reads`` is a top-k merge (SQLite: per-plate queries with a moving edge; PostgreSQL: a LATERAL
join, on the plate index alone when no row filter applies). Whatever the path, a page must be exactly the first
``limit`` reads of the candidate plates in (observed_at, id) order after the keyset, ties in time included."""

from __future__ import annotations

import random
import uuid
from datetime import timedelta

import pytest
from search_world import T0, World

from rtcc.alpr.models import Read
from rtcc.core.db import Database
from rtcc.investigations import repository

PLATES = [f"7TIE{i:03d}" for i in range(12)]


@pytest.fixture
def tied(db: Database, world: World) -> list[tuple[object, uuid.UUID, str]]:
    """240 reads of 12 plates over only 15 distinct times, so pages end inside runs of equal times."""
    rng = random.Random(7)
    out = []
    with db.uow() as s:
        for i in range(240):
            plate = PLATES[i % 5] if i < 150 else rng.choice(PLATES)  # a few busy plates, the rest sparse
            at = T0 + timedelta(minutes=rng.randrange(15))
            rid = uuid.uuid4()
            s.add(
                Read(
                    id=rid,
                    camera_id=world.cameras["A"],
                    plate=plate,
                    plate_norm=plate,
                    plate_ocr=plate,
                    region="CA",
                    confidence=50.0 + i % 50,
                    observed_at=at,
                    received_at=at,
                    source="test",
                    is_hit=False,
                )
            )
            out.append((at, rid, plate))
    return out


@pytest.mark.parametrize("descending", [False, True])
@pytest.mark.parametrize("min_confidence", [None, 0.0])  # None: the index-only path on PostgreSQL
def test_pages_are_exact_with_ties(
    db: Database, tied: list[tuple[object, uuid.UUID, str]], descending: bool, min_confidence: float | None
) -> None:
    expected = sorted(((at, rid.bytes, rid) for at, rid, _ in tied), reverse=descending)
    for limit in (1, 7, 40, 300):
        got: list[uuid.UUID] = []
        after = None
        while True:
            with db.read() as s:
                page = repository.page_reads(
                    s,
                    plates=PLATES,
                    state=None,
                    start=None,
                    end=None,
                    camera_ids=None,
                    bbox=None,
                    vehicle={},
                    min_confidence=min_confidence,
                    after=after,
                    descending=descending,
                    limit=limit,
                )
            assert len(page) <= limit
            got += [row.id for row in page]
            if len(page) < limit:
                break
            after = (page[-1].observed_at, page[-1].id)
        assert got == [rid for _, _, rid in expected], f"limit {limit}"
