"""Receiving a clip over HTTP without holding it in memory: the request body is streamed (a multipart form with a
``file`` part and optional ``note``, ``recorded_start``, ``recorded_end`` fields, or the raw file as the body with
``?filename=``) into the evidence store's writer, which hashes it, checks its type on the first bytes and aborts
at the size limit. A ``Content-Length`` beyond the limit is refused before a byte is read.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import anyio.to_thread
from pydantic import TypeAdapter, ValidationError
from python_multipart.multipart import MultipartParser, parse_options_header
from starlette.requests import Request

from rtcc.core.errors import field_error, invalid
from rtcc.footage.logic import UploadTooLarge, safe_filename
from rtcc.footage.storage import FootageStore, StagedFile, UploadWriter

#: Form fields besides ``file`` and the most bytes each may hold.
FORM_FIELDS = {"note": 2000, "recorded_start": 64, "recorded_end": 64}
#: Room for the multipart envelope (boundaries, part headers, small fields) beyond the file itself.
_ENVELOPE = 64 * 1024

_DATETIME = TypeAdapter(datetime)


@dataclass
class ReceivedUpload:
    """A staged file plus what the uploader said about it."""

    staged: StagedFile
    filename: str
    note: str | None = None
    recorded_start: datetime | None = None
    recorded_end: datetime | None = None


def _when(name: str, raw: str | None) -> datetime | None:
    if not raw:
        return None
    try:
        value = _DATETIME.validate_python(raw)
    except ValidationError:
        raise invalid(name, "not an ISO 8601 time") from None
    if value.utcoffset() is None:
        raise invalid(name, "give a timezone (e.g. 2026-11-20T18:00:00Z)")
    return value


@dataclass
class _FormState:
    store: FootageStore
    max_bytes: int
    allowed: list[str]
    headers: dict[str, str] = field(default_factory=dict)
    header_field: bytes = b""
    header_value: bytes = b""
    current: str | None = None  # name of the part being read
    writer: UploadWriter | None = None
    filename: str | None = None
    file_seen: bool = False
    staged: StagedFile | None = None
    values: dict[str, bytearray] = field(default_factory=dict)

    def on_part_begin(self) -> None:
        self.headers = {}
        self.current = None

    def on_header_field(self, data: bytes, start: int, end: int) -> None:
        self.header_field += data[start:end]

    def on_header_value(self, data: bytes, start: int, end: int) -> None:
        self.header_value += data[start:end]

    def on_header_end(self) -> None:
        self.headers[self.header_field.decode("latin-1").lower()] = self.header_value.decode("latin-1")
        self.header_field = b""
        self.header_value = b""

    def on_headers_finished(self) -> None:
        _disp, params = parse_options_header(self.headers.get("content-disposition", ""))
        name = params.get(b"name", b"").decode("utf-8", "replace")
        self.current = name
        if name == "file":
            if self.file_seen:
                raise invalid("file", "send one file per upload")
            self.file_seen = True
            self.filename = params.get(b"filename", b"").decode("utf-8", "replace") or None
            self.writer = self.store.begin(
                max_bytes=self.max_bytes, allowed=self.allowed, declared=self.headers.get("content-type")
            )
        elif name in FORM_FIELDS:
            self.values[name] = bytearray()
        else:
            raise invalid(name or "form", "unknown form field (expected file, note, recorded_start, recorded_end)")

    def on_part_data(self, data: bytes, start: int, end: int) -> None:
        if self.current == "file" and self.writer is not None:
            self.writer.write(data[start:end])
        elif self.current in self.values:
            buf = self.values[self.current]
            buf += data[start:end]
            if len(buf) > FORM_FIELDS[self.current]:
                raise invalid(self.current, f"longer than {FORM_FIELDS[self.current]} bytes")

    def on_part_end(self) -> None:
        if self.current == "file" and self.writer is not None:
            writer, self.writer = self.writer, None
            self.staged = writer.finish()
        self.current = None

    def abort(self) -> None:
        if self.writer is not None:
            self.writer.abort()
            self.writer = None
        if self.staged is not None:
            self.store.discard(self.staged)
            self.staged = None


def _too_large(max_bytes: int) -> UploadTooLarge:
    msg = f"the file is larger than the limit of {max_bytes / (1024 * 1024):g} MiB"
    return UploadTooLarge(f"file: {msg}", errors=[field_error("file", msg)])


def _check_length(request: Request, limit: int, max_bytes: int) -> None:
    raw = request.headers.get("content-length")
    if raw and raw.isdigit() and int(raw) > limit:
        raise _too_large(max_bytes)


async def receive_upload(
    request: Request,
    store: FootageStore,
    *,
    max_bytes: int,
    allowed: list[str],
    filename: str | None = None,
) -> ReceivedUpload:
    """Stream the request's file into the store's incoming folder; on any error nothing stays there."""
    ctype = request.headers.get("content-type", "")
    if ctype.startswith("multipart/form-data"):
        return await _receive_multipart(request, store, max_bytes=max_bytes, allowed=allowed)
    _check_length(request, max_bytes, max_bytes)
    writer = store.begin(max_bytes=max_bytes, allowed=allowed, declared=ctype or None)
    try:
        async for chunk in request.stream():
            await anyio.to_thread.run_sync(writer.write, chunk)
        staged = await anyio.to_thread.run_sync(writer.finish)
    except BaseException:
        writer.abort()
        raise
    return ReceivedUpload(staged=staged, filename=safe_filename(filename))


async def _receive_multipart(
    request: Request, store: FootageStore, *, max_bytes: int, allowed: list[str]
) -> ReceivedUpload:
    _check_length(request, max_bytes + _ENVELOPE, max_bytes)
    _ctype, params = parse_options_header(request.headers.get("content-type", ""))
    boundary = params.get(b"boundary")
    if not boundary:
        raise invalid("file", "multipart body without a boundary")
    state = _FormState(store=store, max_bytes=max_bytes, allowed=allowed)
    callbacks: Any = {
        "on_part_begin": state.on_part_begin,
        "on_part_data": state.on_part_data,
        "on_part_end": state.on_part_end,
        "on_header_field": state.on_header_field,
        "on_header_value": state.on_header_value,
        "on_header_end": state.on_header_end,
        "on_headers_finished": state.on_headers_finished,
    }
    parser = MultipartParser(boundary, callbacks)
    try:
        received = 0
        async for chunk in request.stream():
            received += len(chunk)
            if received > max_bytes + _ENVELOPE:
                raise _too_large(max_bytes)
            await anyio.to_thread.run_sync(parser.write, chunk)
        parser.finalize()
        if state.writer is not None:  # the body ended inside the file part
            raise invalid("file", "the upload was cut off")
        if state.staged is None:
            raise invalid("file", "the form has no 'file' part")
        values = {k: bytes(v).decode("utf-8", "replace").strip() for k, v in state.values.items()}
        start = _when("recorded_start", values.get("recorded_start"))
        end = _when("recorded_end", values.get("recorded_end"))
        if start and end and end < start:
            raise invalid("recorded_end", "must not be before recorded_start")
        return ReceivedUpload(
            staged=state.staged,
            filename=safe_filename(state.filename),
            note=values.get("note") or None,
            recorded_start=start,
            recorded_end=end,
        )
    except BaseException:
        with contextlib.suppress(Exception):
            state.abort()
        raise
