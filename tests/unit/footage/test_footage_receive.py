"""Streaming receipt of an upload: a multipart body arriving in arbitrary small pieces is parsed into the staged
file (hash, size, type) and the form fields; a body over the limit is cut off while streaming and leaves nothing."""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from starlette.requests import Request

from rtcc.core.errors import ValidationFailed
from rtcc.footage.logic import UploadTooLarge
from rtcc.footage.storage import LocalFootageStore
from rtcc.footage.uploads import receive_upload

PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 8
BOUNDARY = "----rtccboundary42"


def _multipart(parts: list[tuple[str, bytes, str | None, str | None]]) -> bytes:
    out = b""
    for name, data, filename, ctype in parts:
        disp = f'form-data; name="{name}"' + (f'; filename="{filename}"' if filename else "")
        out += f"--{BOUNDARY}\r\nContent-Disposition: {disp}\r\n".encode()
        if ctype:
            out += f"Content-Type: {ctype}\r\n".encode()
        out += b"\r\n" + data + b"\r\n"
    return out + f"--{BOUNDARY}--\r\n".encode()


def _request(body: bytes, piece: int, ctype: str) -> Request:
    pieces: Iterator[bytes] = (body[i : i + piece] for i in range(0, len(body), piece))
    state = {"done": False}

    async def receive() -> dict[str, Any]:
        if state["done"]:
            return {"type": "http.disconnect"}
        chunk = next(pieces, None)
        if chunk is None:
            state["done"] = True
            return {"type": "http.request", "body": b"", "more_body": False}
        return {"type": "http.request", "body": chunk, "more_body": True}

    scope = {"type": "http", "method": "POST", "path": "/", "headers": [(b"content-type", ctype.encode())]}
    return Request(scope, receive)


@pytest.mark.parametrize("piece", [1, 7, 64, 100_000])
def test_multipart_in_small_pieces(tmp_path: Path, piece: int) -> None:
    store = LocalFootageStore(tmp_path)
    body = _multipart(
        [
            ("note", "porch — 2nd view".encode(), None, None),
            ("file", PNG, "../../porch.png", "image/png"),
            ("recorded_start", b"2026-11-21T20:00:00Z", None, None),
        ]
    )
    req = _request(body, piece, f"multipart/form-data; boundary={BOUNDARY}")
    got = asyncio.run(receive_upload(req, store, max_bytes=10_000, allowed=["image/png"]))
    assert got.filename == "porch.png" and got.note == "porch — 2nd view"
    assert got.recorded_start is not None and got.recorded_start.isoformat() == "2026-11-21T20:00:00+00:00"
    assert got.staged.sha256 == hashlib.sha256(PNG).hexdigest() and got.staged.size == len(PNG)
    assert got.staged.temp_path.read_bytes() == PNG


def test_multipart_over_the_limit_leaves_nothing(tmp_path: Path) -> None:
    store = LocalFootageStore(tmp_path)
    body = _multipart([("file", PNG, "a.png", "image/png")])
    req = _request(body, 100, f"multipart/form-data; boundary={BOUNDARY}")
    with pytest.raises(UploadTooLarge):
        asyncio.run(receive_upload(req, store, max_bytes=len(PNG) - 1, allowed=["image/png"]))
    assert [p for p in tmp_path.rglob("*") if p.is_file()] == []


def test_two_files_or_no_file_are_refused(tmp_path: Path) -> None:
    store = LocalFootageStore(tmp_path)
    two = _multipart([("file", PNG, "a.png", "image/png"), ("file", PNG, "b.png", "image/png")])
    with pytest.raises(ValidationFailed, match="one file"):
        asyncio.run(
            receive_upload(_request(two, 50, f"multipart/form-data; boundary={BOUNDARY}"), store, max_bytes=10_000,
                           allowed=["image/png"])
        )  # fmt: skip
    none = _multipart([("note", b"hello", None, None)])
    with pytest.raises(ValidationFailed, match="no 'file' part"):
        asyncio.run(
            receive_upload(_request(none, 50, f"multipart/form-data; boundary={BOUNDARY}"), store, max_bytes=10_000,
                           allowed=["image/png"])
        )  # fmt: skip
    assert [p for p in tmp_path.rglob("*") if p.is_file()] == []


def test_raw_body(tmp_path: Path) -> None:
    store = LocalFootageStore(tmp_path)
    got = asyncio.run(
        receive_upload(_request(PNG, 33, "application/octet-stream"), store, max_bytes=10_000, allowed=["image/png"],
                       filename="x/y/frame.png")
    )  # fmt: skip
    assert got.filename == "frame.png" and got.staged.content_type == "image/png"
