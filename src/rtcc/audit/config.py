"""Settings of the audit domain, mixed into ``rtcc.settings.Settings`` (env ``RTCC_<FIELD>``): the signing key of the
audit log's tree heads and how often one is published."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, Field


class AuditSettings(BaseModel):
    """Audit settings."""

    audit_signing_key_file: Path | None = Field(
        default=None,
        description="PEM file (PKCS#8, unencrypted) with the Ed25519 private key that signs the audit log's tree "
        "heads; create one with `rtcc audit keygen`. Keep it outside the repository, readable by the service only. "
        "Unset: no tree heads are published (the demo generates one in its data directory).",
    )
    audit_tree_head_interval_s: int = Field(
        default=3600,
        description="Seconds between two signed tree heads of the audit log (at least hourly by default; 0 or less "
        "disables the job).",
    )
