"""Durable files: new folders are created (and fsynced into their parents) before a file is renamed into them."""

from __future__ import annotations

from pathlib import Path

import pytest

from rtcc.core import blobs


def test_install_creates_missing_folders_and_fsyncs_each_into_its_parent(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    synced: list[Path] = []
    real = blobs.fsync_dir
    monkeypatch.setattr(blobs, "fsync_dir", lambda p: (synced.append(Path(p)), real(p)))
    target = tmp_path / "store" / "ab" / "abcd.jpg"
    assert blobs.write_durable(target, b"jpeg bytes", scratch=tmp_path / "store" / ".incoming")
    assert target.read_bytes() == b"jpeg bytes"
    # the new folders' entries were made durable in their parents, then the file's rename in its folder
    assert tmp_path in synced and tmp_path / "store" in synced and synced[-1] == tmp_path / "store" / "ab"
    assert not blobs.write_durable(target, b"jpeg bytes", scratch=tmp_path / "store" / ".incoming")
