"""Durable, content-addressed files on the local disk: the one place that writes a file so that it survives a crash
(write to a temporary file on the same filesystem, fsync it, rename it atomically into place, fsync the folder).

The footage evidence store and the ALPR image store both keep files this way; a file's name is derived from its
SHA-256, so writing the same content twice is harmless and a stored file is never rewritten with other bytes.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path


def fsync_dir(path: Path) -> None:
    """fsync a folder, so that a rename or a new file in it survives a power loss."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:  # pragma: no cover - platforms without directory fds
        return
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def make_dirs(path: Path) -> None:
    """Create ``path`` and any missing parents durably: each folder made is fsynced into its parent, so that a file
    fsynced into a new folder cannot vanish with the folder after a power loss."""
    missing: list[Path] = []
    at = path
    while not at.exists():
        missing.append(at)
        if at.parent == at:
            break
        at = at.parent
    for folder in reversed(missing):
        with contextlib.suppress(FileExistsError):
            folder.mkdir()
        fsync_dir(folder.parent)


def install(temp_path: Path, target: Path) -> bool:
    """Move a complete, fsynced temporary file to ``target`` (atomic rename, then the folder is fsynced); when
    ``target`` exists already the temporary file is removed instead and False is returned."""
    make_dirs(target.parent)
    if target.exists():
        with contextlib.suppress(FileNotFoundError):
            temp_path.unlink()
        return False
    os.replace(temp_path, target)
    fsync_dir(target.parent)
    return True


def write_durable(target: Path, data: bytes, *, scratch: Path) -> bool:
    """Write ``data`` to ``target`` durably (see the module docstring), staging it in ``scratch`` (a folder on the
    same filesystem). False when ``target`` already existed (content-addressed: the same bytes are stored)."""
    if target.exists():
        return False
    make_dirs(scratch)
    fd, name = tempfile.mkstemp(prefix="blob-", suffix=".part", dir=scratch)
    temp = Path(name)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        return install(temp, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            temp.unlink()
        raise
