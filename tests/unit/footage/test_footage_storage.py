"""The local evidence store: streaming writes with hashing, the size limit enforced while streaming, type checks on
the first bytes, atomic content-addressed commit, and nothing left behind on failure."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from rtcc.core.errors import NotFound, ValidationFailed
from rtcc.footage.logic import UnsupportedMediaType, UploadTooLarge
from rtcc.footage.storage import LocalFootageStore, storage_key, store_for

ALLOWED = ["video/mp4", "image/png", "image/jpeg"]
MP4 = b"\x00\x00\x00\x18ftypisom\x00\x00\x02\x00isomiso2" + bytes(range(256)) * 10


def _files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file())


def test_streamed_upload_is_hashed_and_committed_under_its_sha256(tmp_path: Path) -> None:
    store = LocalFootageStore(tmp_path)
    w = store.begin(max_bytes=10_000, allowed=ALLOWED, declared="video/mp4")
    for i in range(0, len(MP4), 7):  # tiny chunks: the type check waits for enough bytes
        w.write(MP4[i : i + 7])
    staged = w.finish()
    assert staged.sha256 == hashlib.sha256(MP4).hexdigest() and staged.size == len(MP4)
    assert staged.content_type == "video/mp4" and staged.temp_path.parent == tmp_path / ".incoming"
    assert store.commit(staged) is True
    key = storage_key(staged.sha256, "video/mp4")
    assert key == f"{staged.sha256[:2]}/{staged.sha256}.mp4"
    assert _files(tmp_path) == [tmp_path / key]
    assert store.rehash(key) == (staged.sha256, len(MP4))
    with store.open(key) as f:
        assert f.read() == MP4
    # the same content again: no second file, the staged copy is dropped
    w2 = store.begin(max_bytes=10_000, allowed=ALLOWED, declared=None)
    w2.write(MP4)
    assert store.commit(w2.finish()) is False
    assert _files(tmp_path) == [tmp_path / key]


def test_size_limit_aborts_while_streaming(tmp_path: Path) -> None:
    store = LocalFootageStore(tmp_path)
    w = store.begin(max_bytes=len(MP4) - 1, allowed=ALLOWED, declared=None)
    w.write(MP4[:100])
    with pytest.raises(UploadTooLarge):
        w.write(MP4[100:])
    assert _files(tmp_path) == []
    with pytest.raises(RuntimeError):
        w.write(b"more")  # the writer is closed for good


def test_wrong_type_aborts_on_the_first_bytes(tmp_path: Path) -> None:
    store = LocalFootageStore(tmp_path)
    w = store.begin(max_bytes=10_000, allowed=ALLOWED, declared=None)
    with pytest.raises(UnsupportedMediaType):
        w.write(b"MZ\x90\x00" + bytes(600))  # a Windows executable
    assert _files(tmp_path) == []
    short = store.begin(max_bytes=10_000, allowed=ALLOWED, declared=None)
    short.write(b"tiny text")
    with pytest.raises(UnsupportedMediaType):
        short.finish()  # short files are checked at the end
    assert _files(tmp_path) == []
    empty = store.begin(max_bytes=10_000, allowed=ALLOWED, declared=None)
    with pytest.raises(ValidationFailed, match="empty"):
        empty.finish()
    assert _files(tmp_path) == []


def test_abort_and_discard_remove_the_temp_file(tmp_path: Path) -> None:
    store = LocalFootageStore(tmp_path)
    w = store.begin(max_bytes=10_000, allowed=ALLOWED, declared=None)
    w.write(MP4)
    w.abort()
    assert _files(tmp_path) == []
    w = store.begin(max_bytes=10_000, allowed=ALLOWED, declared=None)
    w.write(MP4)
    staged = w.finish()
    assert staged.temp_path.exists()
    store.discard(staged)
    assert _files(tmp_path) == []


def test_tampering_shows_in_rehash_and_bad_keys_are_refused(tmp_path: Path) -> None:
    store = LocalFootageStore(tmp_path)
    w = store.begin(max_bytes=10_000, allowed=ALLOWED, declared=None)
    w.write(MP4)
    staged = w.finish()
    store.commit(staged)
    (tmp_path / staged.key).write_bytes(MP4 + b"!")
    assert store.rehash(staged.key) != (staged.sha256, len(MP4))
    store.remove(staged.key)
    assert store.rehash(staged.key) is None and not store.exists(staged.key)
    with pytest.raises(NotFound):
        store.open(staged.key)
    for key in ("../etc/passwd", ".incoming/x", "a/b/c", "ab/.."):
        with pytest.raises(NotFound):
            store.open(key)


def test_store_for_defaults_to_the_data_dir(tmp_path: Path) -> None:
    assert store_for(None, tmp_path).root == tmp_path / "evidence"
    assert store_for(tmp_path / "elsewhere", tmp_path).root == tmp_path / "elsewhere"


def test_allowed_types_must_be_recognisable() -> None:
    from pydantic import ValidationError

    from rtcc.settings import Settings

    assert Settings(footage_allowed_types=["video/mp4"]).footage_allowed_types == ["video/mp4"]
    with pytest.raises(ValidationError, match="application/pdf"):
        Settings(footage_allowed_types=["video/mp4", "application/pdf"])
