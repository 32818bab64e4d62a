"""Parse-speed measurement of the historic CAD readers, for ``rtcc bench dispatch`` to fold in.

``synthetic_alexandria_csv(n, seed)`` writes the text of an ``alexandria_decc`` export with ``n`` calls (the real
layout's header; times, agencies, priorities and dispositions drawn from a seeded generator) so the benchmark needs no
shared data; ``time_cad_file(path)`` reads a CAD file through ``CadFile`` and, as the baseline measured in the same
run, through the ``csv`` module alone (the tokenising every reader needs: the strongest fair floor), and returns the
figures. It asserts nothing about time.
"""

from __future__ import annotations

import csv
import io
import random
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Final

from rtcc.dispatch.adapters.cad_history import CadFile

_HEADER: Final = (
    "source_week",
    "Master_Incident_Number",
    "Response_Date",
    "WeekNo",
    "DOW",
    "Day",
    "Hour",
    "Shift",
    "Day_Night",
    "ShiftPart",
    "Agency",
    "Problem",
    "Priority_Number",
    "Call_Reception",
    "Call_Taker",
    "Dispatcher",
    "Incident_Start_Time",
    "TimeCallViewed",
    "Incident_Queue_Time",
    "Time_To_Queue",
    "Elapsed_PS_Queue",
    "Time_To_Queue_Diff",
    "Incident_Dispatch_Time",
    "Time_To_Dispatch",
    "Elapsed_Queue_Disp",
    "Time_To_Disp_Diff",
    "Incident_Phone_Stop",
    "Phone_Time",
    "Elapsed_PS_CTD",
    "Phone_Time_Diff",
    "TimeFirstUnitDispatchAcknowledged",
    "Processing_Time",
    "Elapsed_Processing",
    "Diff_Proc_Time",
    "Incident_Enroute_Time",
    "Rollout_Time",
    "Elapsed_Rollout",
    "Diff_Rollout_Time",
    "Incident_Arrival_Time",
    "Transit_Time",
    "Elapsed_Transit",
    "Diff_Transit_Time",
    "TimeFirstCallCleared",
    "Incident_First_Close_Time",
    "Call_Reopened",
    "First_Reopen_Time",
    "Final_Closed_Time",
    "Total_Call_Time",
    "Elapsed_Call_Time",
    "Diff_Total_Call_Time",
    "Disposition",
)
_PROBLEMS: Final = ("ALARM COMMERCIAL", "ALARM RESIDENTIAL", "TRAFFIC STOP", "SUSPICIOUS EVENT", "BLS EMERGENCY")
_DISPOSITIONS: Final = ("NR-No Report", "RE-Report", "FALSE-False Alarm", "CI-Citation", "UNDEFINED")


def synthetic_alexandria_csv(n: int, seed: int = 7) -> str:
    """The text of an ``alexandria_decc`` CAD export with ``n`` calls (see the module docstring)."""
    rng = random.Random(seed)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(_HEADER)
    start = datetime(2025, 8, 24)
    for i in range(n):
        t0 = start + timedelta(seconds=i * 40 + rng.randint(0, 30))
        steps = [t0]
        for gap in (40, 20, 90, 5, 250, 900, 1, 60):
            steps.append(steps[-1] + timedelta(seconds=rng.randint(0, 2 * gap), milliseconds=rng.randint(0, 999)))
        q, d, ack, er, ar, cl, fc, fin = (s.isoformat(sep=" ", timespec="milliseconds") for s in steps[1:])
        s0 = t0.isoformat(sep=" ", timespec="milliseconds")
        row = {name: "0" for name in _HEADER}
        row.update(
            {
                "source_week": "35",
                "Master_Incident_Number": f"25-{i:06d}",
                "Response_Date": s0,
                "Agency": rng.choice(("POLICE", "POLICE", "EMS", "FIRE")),
                "Problem": rng.choice(_PROBLEMS),
                "Priority_Number": str(rng.randint(1, 4)),
                "Call_Reception": rng.choice(("Phone", "E-911", "OFFICER")),
                "Call_Taker": f"STAFF_{rng.randint(1, 99):03d}",
                "Dispatcher": f"STAFF_{rng.randint(1, 99):03d}",
                "Incident_Start_Time": s0,
                "TimeCallViewed": q,
                "Incident_Queue_Time": q,
                "Incident_Dispatch_Time": d,
                "Incident_Phone_Stop": d,
                "TimeFirstUnitDispatchAcknowledged": ack,
                "Incident_Enroute_Time": er,
                "Incident_Arrival_Time": ar if rng.random() < 0.88 else "NULL",
                "TimeFirstCallCleared": cl,
                "Incident_First_Close_Time": fc,
                "First_Reopen_Time": "NULL",
                "Final_Closed_Time": fin,
                "Disposition": rng.choice(_DISPOSITIONS),
            }
        )
        writer.writerow([row[name] for name in _HEADER])
    return out.getvalue()


def time_cad_file(path: Path, *, repeats: int = 3) -> dict[str, float]:
    """Best-of-``repeats`` rows/s of ``CadFile`` on ``path`` (``cad_parse_rows_per_s``), of ``csv.reader`` alone on the
    same file (``cad_csv_only_rows_per_s``, the baseline), of ``CallRow.to_document`` on the rows
    (``cad_to_document_per_s``), and the row and problem counts."""
    best_parse = best_csv = best_doc = 0.0
    rows = []
    problems = 0
    for _ in range(max(1, repeats)):
        cad = CadFile(path)
        t0 = time.perf_counter()
        rows = list(cad)
        best_parse = max(best_parse, len(rows) / max(time.perf_counter() - t0, 1e-9))
        problems = cad.problem_count
        t0 = time.perf_counter()
        with path.open(encoding=cad.encoding, newline="") as fh:
            n = sum(1 for _ in csv.reader(fh)) - 1
        best_csv = max(best_csv, n / max(time.perf_counter() - t0, 1e-9))
        sample = rows[:5000]
        t0 = time.perf_counter()
        for row in sample:
            row.to_document()
        best_doc = max(best_doc, len(sample) / max(time.perf_counter() - t0, 1e-9))
    return {
        "cad_rows": float(len(rows)),
        "cad_problems": float(problems),
        "cad_parse_rows_per_s": round(best_parse, 1),
        "cad_csv_only_rows_per_s": round(best_csv, 1),
        "cad_to_document_per_s": round(best_doc, 1),
    }
