"""The evidence store: where clip files lie, behind the ``FootageStore`` protocol, and its local-filesystem adapter.

An upload is written to a temporary file inside the store (``.incoming/``, same filesystem as the final place) while
its SHA-256 and size are computed and its first bytes are checked for an allowed clip type; passing the size limit
aborts at once. ``commit`` fsyncs the file and renames it atomically to its content-addressed name
(``<sha[:2]>/<sha256><ext>``), then fsyncs the folder. Anything that fails before that removes the temporary file, so
a failed upload leaves nothing half-stored. Files are never modified after ``commit``; ``rehash`` re-reads one to
detect tampering.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Protocol

from rtcc.core.blobs import install
from rtcc.core.errors import NotFound, ValidationFailed, field_error
from rtcc.footage.logic import EXTENSIONS, SNIFF_BYTES, UploadTooLarge, check_type

logger = logging.getLogger(__name__)

_CHUNK = 1024 * 1024
_INCOMING = ".incoming"


@dataclass(frozen=True)
class StagedFile:
    """A fully received upload waiting in the store's incoming folder."""

    temp_path: Path
    sha256: str
    size: int
    content_type: str

    @property
    def key(self) -> str:
        """The content-addressed key this file will have once committed."""
        return storage_key(self.sha256, self.content_type)


def storage_key(sha256: str, content_type: str) -> str:
    """``<sha[:2]>/<sha256><ext>``: the name of a clip file inside the store."""
    return f"{sha256[:2]}/{sha256}{EXTENSIONS.get(content_type, '.bin')}"


class UploadWriter(Protocol):
    """Receives an upload chunk by chunk; ``finish`` checks and returns it staged, ``abort`` removes it."""

    def write(self, chunk: bytes) -> None: ...

    def finish(self) -> StagedFile: ...

    def abort(self) -> None: ...


class FootageStore(Protocol):
    """Where clip files are kept (local disk here; an object store would be another adapter)."""

    def begin(self, *, max_bytes: int, allowed: list[str], declared: str | None) -> UploadWriter:
        """Start receiving one upload."""
        ...

    def commit(self, staged: StagedFile) -> bool:
        """Move a staged file to its content-addressed place; False when that file was already stored."""
        ...

    def discard(self, staged: StagedFile) -> None:
        """Remove a staged file that will not be committed."""
        ...

    def remove(self, key: str) -> None:
        """Delete a committed file (only to undo a commit whose database row did not commit)."""
        ...

    def exists(self, key: str) -> bool:
        """True when a committed file with this key exists."""
        ...

    def open(self, key: str) -> BinaryIO:
        """Open a committed file for reading; NotFound when it is missing."""
        ...

    def rehash(self, key: str) -> tuple[str, int] | None:
        """(SHA-256, size) of a committed file as it is now, or None when it is missing."""
        ...

    def scratch_file(self, suffix: str) -> Path:
        """A new empty temporary file inside the store (evidence packages are assembled there)."""
        ...

    def sweep_incoming(self, older_than_s: float) -> int:
        """Remove temporary files left by a crashed process (older than ``older_than_s``); returns how many."""
        ...


class _LocalWriter:
    """Streams one upload into ``.incoming/``: hashes, counts, checks the type on the first bytes, enforces the
    size limit as it goes."""

    def __init__(self, folder: Path, *, max_bytes: int, allowed: list[str], declared: str | None) -> None:
        self._max = max_bytes
        self._allowed = allowed
        self._declared = declared
        fd, name = tempfile.mkstemp(prefix="upload-", suffix=".part", dir=folder)
        self._path = Path(name)
        self._file: BinaryIO | None = os.fdopen(fd, "wb")
        self._hash = hashlib.sha256()
        self._size = 0
        self._head = b""
        self._type: str | None = None

    def write(self, chunk: bytes) -> None:
        if self._file is None:
            raise RuntimeError("upload already finished or aborted")
        if not chunk:
            return
        try:
            if self._size + len(chunk) > self._max:
                limit_mb = self._max / (1024 * 1024)
                msg = f"the file is larger than the limit of {limit_mb:g} MiB"
                raise UploadTooLarge(f"file: {msg}", errors=[field_error("file", msg)])
            if self._type is None:
                self._head += chunk[: SNIFF_BYTES - len(self._head)]
                if len(self._head) >= SNIFF_BYTES:
                    self._type = check_type(self._head, declared=self._declared, allowed=self._allowed)
            self._file.write(chunk)
            self._hash.update(chunk)
            self._size += len(chunk)
        except BaseException:
            self.abort()
            raise

    def finish(self) -> StagedFile:
        if self._file is None:
            raise RuntimeError("upload already finished or aborted")
        try:
            if self._size == 0:
                msg = "the file is empty"
                raise ValidationFailed(f"file: {msg}", errors=[field_error("file", msg)])
            if self._type is None:
                self._type = check_type(self._head, declared=self._declared, allowed=self._allowed)
            self._file.flush()
            os.fsync(self._file.fileno())
            self._file.close()
            self._file = None
        except BaseException:
            self.abort()
            raise
        return StagedFile(self._path, self._hash.hexdigest(), self._size, self._type)

    def abort(self) -> None:
        if self._file is not None:
            with contextlib.suppress(OSError):
                self._file.close()
            self._file = None
        with contextlib.suppress(FileNotFoundError):
            self._path.unlink()


class LocalFootageStore:
    """A ``FootageStore`` on the local filesystem under ``root``."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self.incoming = self.root / _INCOMING
        self.incoming.mkdir(parents=True, exist_ok=True)

    def _path(self, key: str) -> Path:
        parts = key.split("/")
        if len(parts) != 2 or any(not p or p.startswith(".") for p in parts):
            raise NotFound(f"no clip file {key!r}")
        return self.root / parts[0] / parts[1]

    def begin(self, *, max_bytes: int, allowed: list[str], declared: str | None) -> UploadWriter:
        """Start receiving one upload into the incoming folder."""
        return _LocalWriter(self.incoming, max_bytes=max_bytes, allowed=allowed, declared=declared)

    def commit(self, staged: StagedFile) -> bool:
        """Rename the staged file to its content-addressed name (atomic); False when that file already existed."""
        if not install(staged.temp_path, self._path(staged.key)):
            return False
        logger.debug("stored clip file %s (%d bytes)", staged.key, staged.size)
        return True

    def discard(self, staged: StagedFile) -> None:
        """Remove a staged file (no error when it is gone already)."""
        with contextlib.suppress(FileNotFoundError):
            staged.temp_path.unlink()

    def remove(self, key: str) -> None:
        """Delete a committed file (no error when it is gone already)."""
        with contextlib.suppress(FileNotFoundError):
            self._path(key).unlink()

    def exists(self, key: str) -> bool:
        """True when the committed file exists."""
        return self._path(key).is_file()

    def open(self, key: str) -> BinaryIO:
        """Open a committed file for reading."""
        try:
            return self._path(key).open("rb")
        except FileNotFoundError:
            raise NotFound(f"the clip file {key} is missing from the evidence store") from None

    def rehash(self, key: str) -> tuple[str, int] | None:
        """Re-read a committed file: (SHA-256, size), or None when it is missing."""
        h = hashlib.sha256()
        size = 0
        try:
            with self._path(key).open("rb") as f:
                while chunk := f.read(_CHUNK):
                    h.update(chunk)
                    size += len(chunk)
        except FileNotFoundError:
            return None
        return h.hexdigest(), size

    def scratch_file(self, suffix: str) -> Path:
        """A new empty temporary file in the incoming folder (the caller deletes it)."""
        path = self.incoming / f"scratch-{uuid.uuid4().hex}{suffix}"
        path.touch()
        return path

    def sweep_incoming(self, older_than_s: float) -> int:
        """Remove partial uploads and package files older than ``older_than_s`` from the incoming folder."""
        return _sweep(self.incoming, older_than_s)


def _sweep(folder: Path, older_than_s: float) -> int:
    cutoff = time.time() - older_than_s
    removed = 0
    for path in folder.iterdir():
        with contextlib.suppress(FileNotFoundError):
            if path.is_file() and path.stat().st_mtime < cutoff:
                path.unlink()
                removed += 1
    return removed


def store_for(footage_dir: Path | None, data_dir: Path) -> LocalFootageStore:
    """The local evidence store named by the settings (``footage_dir``, else ``<data_dir>/evidence``)."""
    return LocalFootageStore(footage_dir if footage_dir is not None else Path(data_dir) / "evidence")
