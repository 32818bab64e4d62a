"""Upload checks on a real database and evidence store: the type is read from the bytes (not the name or declared
type), the size limit aborts the stream, and a failed upload leaves no file and no row — including when the database
fails after the file was written and moved into place."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event, func, select
from sqlalchemy.orm import Session

from rtcc.app import create_app
from rtcc.cameras import service as cameras
from rtcc.cameras.schemas import CameraCreate
from rtcc.core.db import Database
from rtcc.core.errors import Conflict
from rtcc.footage import evidence
from rtcc.footage.models import CustodyEntry, FootageClip, FootageRequest
from rtcc.footage.storage import LocalFootageStore
from rtcc.identity import service as identity
from rtcc.identity.logic import SYSTEM, Role
from rtcc.identity.schemas import UserCreate
from rtcc.settings import Settings

ME = "/api/v1/me/footage"
PASSWORD = "correct horse battery"
MIB = 1024 * 1024
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(2000)


@pytest.fixture
def small(settings: Settings, db: Database) -> Iterator[dict[str, Any]]:
    """An app whose uploads are limited to 1 MiB, a resident with an approved request, and its evidence folder."""
    s = settings.model_copy(update={"footage_max_upload_mb": 1})
    with TestClient(create_app(s)) as client:

        def login(role: str) -> tuple[dict[str, str], uuid.UUID]:
            name = f"{role}_{uuid.uuid4().hex[:6]}"
            with db.uow() as sess:
                uid = identity.create_user(
                    sess, UserCreate(username=name, display_name=name, password=PASSWORD, role=Role(role)), actor=SYSTEM
                ).id
            resp = client.post("/api/v1/auth/login", json={"username": name, "password": PASSWORD})
            assert resp.status_code == 200, resp.text
            return {"Authorization": f"Bearer {resp.json()['token']}"}, uid

        analyst, _aid = login("analyst")
        resident, owner = login("resident")
        with db.uow() as sess:
            cam = cameras.create_camera(
                sess,
                CameraCreate(name="Porch", owner_type="residential", owner_name="H", owner_user_id=owner, lat=33.87,
                             lon=-118.07, sharing_level="registered"),
                actor=SYSTEM,
            ).id  # fmt: skip
        end = datetime.now(UTC) - timedelta(hours=1)
        body = {
            "camera_id": str(cam),
            "case_number": "CR-1",
            "purpose": "felony_investigation",
            "reason": "Robbery nearby",
            "window_start": (end - timedelta(minutes=30)).isoformat(),
            "window_end": end.isoformat(),
        }
        rid = client.post("/api/v1/footage/requests", json=body, headers=analyst).json()["id"]
        assert client.post(f"{ME}/requests/{rid}/approve", json={}, headers=resident).status_code == 200
        yield {
            "client": client,
            "resident": resident,
            "rid": rid,
            "store": Path(s.data_dir) / "evidence",
            "login": login,
        }


def _files(store: Path) -> list[Path]:
    return [p for p in store.rglob("*") if p.is_file()]


def _clip_rows(db: Database) -> int:
    with db.read() as s:
        return int(s.scalar(select(func.count()).select_from(FootageClip)) or 0)


def _nothing_stored(db: Database, small: dict[str, Any]) -> None:
    assert _files(small["store"]) == []
    assert _clip_rows(db) == 0
    with db.read() as s:
        req = s.get(FootageRequest, uuid.UUID(small["rid"]))
        assert req is not None and req.state == "approved" and req.clip_count == 0
        uploads = s.scalars(select(CustodyEntry).where(CustodyEntry.action == "upload")).all()
        assert uploads == []


def test_type_is_checked_by_magic_bytes(db: Database, small: dict[str, Any]) -> None:
    client, h, rid = small["client"], small["resident"], small["rid"]
    # a text file named .mp4 and declared video/mp4
    fake = client.post(f"{ME}/requests/{rid}/clips", files={"file": ("clip.mp4", b"hello " * 200, "video/mp4")},
                       headers=h)  # fmt: skip
    assert fake.status_code == 415 and fake.json()["errors"][0]["field"] == "file"
    # a PDF is recognised by nothing we accept
    pdf = client.post(f"{ME}/requests/{rid}/clips", content=b"%PDF-1.7\n" + bytes(600), headers=h)
    assert pdf.status_code == 415
    # a JPEG declared as PNG: the bytes contradict the declared type
    liar = client.post(f"{ME}/requests/{rid}/clips", files={"file": ("a.png", JPEG, "image/png")}, headers=h)
    assert liar.status_code == 415 and "declared as image/png" in liar.json()["detail"]
    empty = client.post(f"{ME}/requests/{rid}/clips", files={"file": ("a.jpg", b"", "image/jpeg")}, headers=h)
    assert empty.status_code == 422 and "empty" in empty.json()["detail"]
    extra = client.post(
        f"{ME}/requests/{rid}/clips", files={"file": ("a.jpg", JPEG, "image/jpeg")}, data={"owner": "x"}, headers=h
    )
    assert extra.status_code == 422
    bad_time = client.post(
        f"{ME}/requests/{rid}/clips",
        files={"file": ("a.jpg", JPEG, "image/jpeg")},
        data={"recorded_start": "yesterday"},
        headers=h,
    )
    assert bad_time.status_code == 422 and bad_time.json()["errors"][0]["field"] == "recorded_start"
    _nothing_stored(db, small)
    # the same JPEG declared as what it is (or as nothing) is accepted
    ok = client.post(f"{ME}/requests/{rid}/clips", files={"file": ("a.jpg", JPEG, "application/octet-stream")},
                     headers=h)  # fmt: skip
    assert ok.status_code == 201 and ok.json()["content_type"] == "image/jpeg"
    assert ok.json()["sha256"] == hashlib.sha256(JPEG).hexdigest()
    stored = _files(small["store"])
    assert [p.name for p in stored] == [f"{ok.json()['sha256']}.jpg"]
    assert stored[0].read_bytes() == JPEG


def test_size_limit_aborts_the_upload(db: Database, small: dict[str, Any]) -> None:
    client, h, rid = small["client"], small["resident"], small["rid"]
    big = JPEG + bytes(MIB)  # just over 1 MiB
    r = client.post(f"{ME}/requests/{rid}/clips", files={"file": ("big.jpg", big, "image/jpeg")}, headers=h)
    assert r.status_code == 413 and r.json()["errors"][0]["field"] == "file"
    raw = client.post(f"{ME}/requests/{rid}/clips", content=big, headers=h)
    assert raw.status_code == 413

    # without a Content-Length the stream itself is cut at the limit
    def chunks() -> Iterator[bytes]:
        yield JPEG
        for _ in range(40):
            yield bytes(64 * 1024)

    streamed = client.post(f"{ME}/requests/{rid}/clips", content=chunks(), headers=h)
    assert streamed.status_code == 413
    _nothing_stored(db, small)
    exact = JPEG + bytes(MIB - len(JPEG))  # exactly the limit is fine
    assert client.post(f"{ME}/requests/{rid}/clips", content=exact, headers=h).status_code == 201


def test_database_failure_after_the_file_was_placed_leaves_nothing(db: Database, small: dict[str, Any]) -> None:
    client, h, rid = small["client"], small["resident"], small["rid"]
    seen: list[Path] = []

    def boom(session: Session) -> None:
        if session.in_nested_transaction():  # a savepoint (e.g. the owner notification) is not the commit
            return
        if session.scalar(select(func.count()).select_from(FootageClip)):  # the clip row is flushed, not committed
            seen.extend(_files(small["store"]))  # the file is in its final place when the commit fails
            raise RuntimeError("database went away at commit")

    event.listen(Session, "before_commit", boom)
    try:
        with pytest.raises(RuntimeError):
            client.post(f"{ME}/requests/{rid}/clips", files={"file": ("a.jpg", JPEG, "image/jpeg")}, headers=h)
    finally:
        event.remove(Session, "before_commit", boom)
    assert [p.name for p in seen] == [f"{hashlib.sha256(JPEG).hexdigest()}.jpg"]
    _nothing_stored(db, small)
    assert client.post(f"{ME}/requests/{rid}/clips", content=JPEG, headers=h).status_code == 201
    assert _clip_rows(db) == 1


def test_failed_duplicate_upload_keeps_the_stored_file(db: Database, small: dict[str, Any]) -> None:
    """Content addressing: a refused upload of bytes that are already stored must not delete the stored file."""
    client, h, rid = small["client"], small["resident"], small["rid"]
    assert client.post(f"{ME}/requests/{rid}/clips", content=JPEG, headers=h).status_code == 201
    store = LocalFootageStore(small["store"])
    writer = store.begin(max_bytes=MIB, allowed=["image/jpeg"], declared=None)
    writer.write(JPEG)
    staged = writer.finish()
    with db.read() as s:
        req = s.get(FootageRequest, uuid.UUID(rid))
        assert req is not None
        owner_id = req.owner_user_id
    principal = _owner_principal(db, owner_id)
    # the same bytes again on the same request: refused (409), the shared file stays
    with pytest.raises(Conflict):
        evidence.store_upload(db, store, uuid.UUID(rid), staged, actor=principal, filename="again.jpg",
                              started_at=datetime.now(UTC))  # fmt: skip
    assert not staged.temp_path.exists()
    assert [p.name for p in _files(small["store"])] == [f"{hashlib.sha256(JPEG).hexdigest()}.jpg"]
    assert _clip_rows(db) == 1


def _owner_principal(db: Database, owner_id: Any) -> Any:
    from rtcc.identity.models import User

    with db.read() as s:
        user = s.get(User, owner_id)
        assert user is not None
        return identity.principal_of(user)


def test_cut_off_multipart_stores_nothing(db: Database, small: dict[str, Any]) -> None:
    client, h, rid = small["client"], small["resident"], small["rid"]
    boundary = "xyzzy"
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.jpg\"\r\n"
            f"Content-Type: image/jpeg\r\n\r\n").encode() + JPEG  # fmt: skip
    r = client.post(
        f"{ME}/requests/{rid}/clips",
        content=body,
        headers={**h, "Content-Type": f"multipart/form-data; boundary={boundary}"},
    )
    assert r.status_code == 422 and "cut off" in r.json()["detail"]
    _nothing_stored(db, small)


def test_uploads_for_unknown_requests_read_nothing(small: dict[str, Any]) -> None:
    client, h = small["client"], small["resident"]
    r = client.post(f"{ME}/requests/{uuid.uuid4()}/clips", content=JPEG, headers=h)
    assert r.status_code == 404
    assert _files(small["store"]) == []
