"""Proof-of-purchase files of the rebate program: the content check (PDF, JPEG or PNG by magic bytes, never by
name), the size limit, and atomic storage. An upload is written to a temporary file under
``<data_dir>/rebates/.incoming`` (fsynced, sha256 computed); the service renames it into
``<data_dir>/rebates/<application id>/<random>.<ext>`` inside the unit of work, and ``StagedProof`` removes both the
temporary and the renamed file unless that unit of work committed, so a failed upload leaves nothing behind. A
replaced proof is deleted only after the commit that replaced it.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType

from rtcc.core.errors import ValidationFailed, invalid
from rtcc.settings import Settings

#: Folder under ``data_dir`` holding proofs of purchase.
PROOF_DIR = "rebates"
_MAGIC: tuple[tuple[bytes, str, str], ...] = (
    (b"%PDF-", "application/pdf", "pdf"),
    (b"\xff\xd8\xff", "image/jpeg", "jpg"),
    (b"\x89PNG\r\n\x1a\n", "image/png", "png"),
)


def _invalid(msg: str) -> ValidationFailed:
    return invalid("file", msg)


@dataclass
class StagedProof:
    """An uploaded proof of purchase on disk, not yet part of a committed application.

    Use as a context manager around the unit of work: on exit, unless the unit of work committed, the temporary
    file and the file renamed into place are removed (a failed upload leaves nothing).
    """

    temp_path: Path
    data_dir: Path
    sha256: str
    size: int
    content_type: str
    extension: str
    filename: str
    final_path: Path | None = None
    committed: bool = False
    replaced: list[Path] = field(default_factory=list)

    def __enter__(self) -> StagedProof:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.discard()

    def mark_committed(self) -> None:
        """Called after commit: the new file stays; the replaced proof (if any) is removed."""
        self.committed = True
        for old in self.replaced:
            old.unlink(missing_ok=True)

    def discard(self) -> None:
        """Remove what an uncommitted upload left on disk (idempotent)."""
        self.temp_path.unlink(missing_ok=True)
        if not self.committed and self.final_path is not None:
            self.final_path.unlink(missing_ok=True)
            with contextlib.suppress(OSError):
                self.final_path.parent.rmdir()  # only when empty


def sniff(data: bytes) -> tuple[str, str] | None:
    """(content type, extension) of a PDF, JPEG or PNG by its magic bytes; None for anything else."""
    for magic, content_type, ext in _MAGIC:
        if data.startswith(magic):
            return content_type, ext
    return None


def stage_proof(settings: Settings, data: bytes, *, filename: str | None) -> StagedProof:
    """Check an upload (magic bytes, size) and write it to a temporary file; raises ValidationFailed on ``file``."""
    limit = settings.rebate_max_upload_mb * 1024 * 1024
    if not data:
        raise _invalid("the file is empty")
    if len(data) > limit:
        raise _invalid(f"the file is larger than {settings.rebate_max_upload_mb} MB")
    kind = sniff(data)
    if kind is None:
        raise _invalid("only PDF, JPEG or PNG files are accepted (checked by content, not by name)")
    incoming = Path(settings.data_dir) / PROOF_DIR / ".incoming"
    incoming.mkdir(parents=True, exist_ok=True)
    temp = incoming / f"{uuid.uuid4().hex}.part"
    try:
        with temp.open("wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    name = Path(filename or "proof").name[:255] or "proof"
    return StagedProof(
        temp_path=temp,
        data_dir=Path(settings.data_dir),
        sha256=hashlib.sha256(data).hexdigest(),
        size=len(data),
        content_type=kind[0],
        extension=kind[1],
        filename=name,
    )
