"""Settings of the retention domain, mixed into ``rtcc.settings.Settings`` (env ``RTCC_<FIELD>``).

Retention periods per data class (the non-hit reads period is the existing ``retention_reads_days``, which ingest
also uses to refuse too-old reads), and how the purge runs: batch size, pause between batches, schedule.
"""

from __future__ import annotations

from pydantic import BaseModel, Field


class RetentionSettings(BaseModel):
    """Retention settings."""

    hold_max_window_days: int = Field(
        default=31,
        ge=1,
        description="A legal hold that selects by camera or time alone (no plates, reads or alerts) must give both "
        "time_from and time_to, at most this many days apart: a hold keeps a case's data, not a whole camera's.",
    )
    hold_max_review_days: int = Field(
        default=366, ge=1, description="A legal hold's review date may lie at most this many days ahead."
    )
    retention_hit_reads_days: int = Field(
        default=365, ge=1, description="Reads that hit a hotlist (have match records) are purged after this many days."
    )
    retention_images_days: int = Field(
        default=30,
        ge=1,
        description="Image and crop references of reads (and the files under RTCC_DATA_DIR they point to) are "
        "cleared after this many days, even when the read itself is kept.",
    )
    retention_alerts_days: int = Field(
        default=730,
        ge=1,
        description="Closed or rejected alerts (and their transitions) are purged this many days "
        "after they were closed.",
    )
    retention_audit_days: int = Field(
        default=1825, ge=1, description="Audit entries older than this many days are purged (behind a checkpoint)."
    )
    retention_batch_size: int = Field(
        default=20_000,
        ge=1,
        le=50_000,
        description="Most rows deleted per batch; each batch is its own short transaction, so ingest waits at most "
        "one (RTCC_RETENTION_BATCH_TARGET_MS keeps the batches shorter than that in time).",
    )
    retention_batch_target_ms: int = Field(
        default=200,
        ge=0,
        description="Longest a purge batch should hold the database writer: batches are sized from the measured "
        "per-row cost to fit it (down to 100 rows, up to RTCC_RETENTION_BATCH_SIZE; 0: always the full size).",
    )
    retention_pause_ms: int = Field(
        default=110,
        ge=0,
        description="Pause between two purge batches, in milliseconds. On SQLite a waiting writer polls for the lock "
        "every 100 ms at most, so a pause longer than that lets every waiting ingest write in between two batches.",
    )
    retention_interval_s: int = Field(
        default=3600, description="Interval of the scheduled purge in seconds (0 or less disables the job)."
    )
    retention_api_max_batches: int = Field(
        default=20,
        ge=1,
        description="Batches per data class that one POST /api/v1/retention/run may delete (a bounded pass; the "
        "scheduled job and the CLI go on until nothing is due).",
    )
