"""Historic CAD import speed, for ``rtcc bench dispatch`` (the integrator's) to fold in: ``measure(calls=N)``.

``N`` synthetic calls in the Alexandria DECC layout (``rtcc.dispatch.adapters.bench.synthetic_alexandria_csv``, no
shared data needed) are imported into a scratch database (SQLite by default) by ``rtcc.dispatch.history.import_file``,
the path ``rtcc dispatch import-history`` runs: read the CSV, parse and convert times, map call types through the
catalogue, check duplicates, insert, commit. Timed end to end (``import_calls_per_s``).

Baseline, measured in the same run on the same database: the driver's own ``executemany`` of the same rows (the
values already parsed and bound, so it does none of the reading) into the same table, committed
(``baseline_executemany_rows_per_s``): the floor no importer can beat. The two alternate ``REPEATS`` times on an emptied
table; the best of each is reported, and what the benchmark stored is removed (its own batches only). Correctness:
after each run the batch holds exactly the file's calls, and a sampled call's received and on-scene times equal the
reader's. Nothing is asserted about time.
"""

from __future__ import annotations

import json
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any, Final

from sqlalchemy import delete, func, select

from rtcc.core.db import Database
from rtcc.core.scratch import scratch_database
from rtcc.dispatch import history
from rtcc.dispatch.adapters.bench import synthetic_alexandria_csv
from rtcc.dispatch.adapters.cad_history import CadFile, CallRow
from rtcc.dispatch.interop_models import HistoryBatch, HistoryCall
from rtcc.identity.logic import Perm, Principal

CALLS: Final = 100_000
REPEATS: Final = 2
_ACTOR: Final = Principal(kind="user", id="bench", name="bench", role="system", permissions=frozenset(Perm))


def _empty(db: Database, batches: list[uuid.UUID]) -> None:
    """Remove what the benchmark stored (its own batches only: a database given with --database keeps its data)."""
    with db.uow() as session:
        session.execute(delete(HistoryCall).where(HistoryCall.batch_id.in_(batches)))
        session.execute(delete(HistoryBatch).where(HistoryBatch.id.in_(batches)))


def _check(db: Database, batch: uuid.UUID, n: int, sample: CallRow) -> bool:
    """The batch holds ``n`` calls and the sampled one as the reader read it."""
    with db.read() as session:
        stored = int(session.scalar(select(func.count()).where(HistoryCall.batch_id == batch)) or 0)
        row = session.execute(
            select(HistoryCall.received_at, HistoryCall.on_scene_at).where(
                HistoryCall.batch_id == batch, HistoryCall.external_id == sample.external_id
            )
        ).one_or_none()
    return stored == n and row is not None and (row[0], row[1]) == (sample.received, sample.on_scene)


def measure(*, calls: int | None = None, database_url: str | None = None) -> dict[str, Any]:
    """The figures (see the module docstring)."""
    n = calls or CALLS
    with (
        tempfile.TemporaryDirectory(prefix="rtcc-bench-cad-") as tmp,
        scratch_database(database_url, prefix="rtcc_bench_history") as url,
    ):
        path = Path(tmp) / "alexandria_synthetic.csv"
        path.write_text(synthetic_alexandria_csv(n), encoding="utf-8")
        rows = list(CadFile(path))
        sample = rows[len(rows) // 2]
        db = Database(url)
        try:
            best_import = best_base = 0.0
            correct = True
            imported = 0
            batches: list[uuid.UUID] = []
            for _ in range(REPEATS):
                _empty(db, batches)
                t0 = time.perf_counter()
                with db.uow() as session:
                    report = history.import_file(session, CadFile(path), actor=_ACTOR)
                assert report.batch_id is not None
                batches.append(report.batch_id)
                best_import = max(best_import, report.imported / (time.perf_counter() - t0))
                imported = report.imported
                correct &= report.imported == len(rows) and _check(db, report.batch_id, len(rows), sample)

                _empty(db, batches)
                batch = uuid.uuid4()
                batches.append(batch)
                with db.uow() as session:
                    session.add(HistoryBatch(id=batch, origin="bench", file_name=path.name, problems=[],
                                             created_by="bench", created_at=sample.received))  # fmt: skip
                    session.flush()
                    writer = history.BulkWriter(session)
                    types = history.TypeMapper()
                    bound = writer.rows(rows, batch, types)
                    raw = session.connection().connection.driver_connection
                    assert raw is not None
                    t0 = time.perf_counter()
                    cursor = raw.cursor()
                    cursor.executemany(writer.sql, bound)
                    raw.commit()
                    best_base = max(best_base, len(bound) / (time.perf_counter() - t0))
                correct &= _check(db, batch, len(rows), sample)
            _empty(db, batches)
        finally:
            db.dispose()
    return {
        "import_calls": imported,
        "import_calls_per_s": round(best_import, 1),
        "baseline_executemany_rows_per_s": round(best_base, 1),
        "import_vs_baseline": round(best_import / best_base, 3) if best_base else 0.0,
        "import_correct": correct,
        "import_database": "postgresql" if database_url and database_url.startswith("postgresql") else "sqlite",
        "import_layout": "alexandria_decc (synthetic)",
    }


if __name__ == "__main__":  # python -m rtcc.bench._dispatch_import [N]
    import sys

    print(json.dumps(measure(calls=int(sys.argv[1]) if len(sys.argv) > 1 else None)))
