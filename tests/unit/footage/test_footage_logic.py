"""Pure footage rules: the request state machine, the effective (expired) state, who approves, sharing levels, the
time-window checks, recognising clip types by magic bytes, safe file names and the custody hash chain."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from rtcc.core.errors import Conflict, ValidationFailed
from rtcc.footage.logic import (
    CUSTODY_GENESIS,
    CustodyFields,
    Event,
    RequestState,
    UnsupportedMediaType,
    allowed_events,
    check_chain,
    check_event,
    check_sharing,
    check_type,
    check_window,
    custody_hash,
    effective_state,
    needs_owner_approval,
    next_state,
    safe_filename,
    sniff,
)

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
S = RequestState
E = Event


@pytest.mark.parametrize(
    ("state", "event", "expected"),
    [
        (S.requested, E.approve, S.approved),
        (S.requested, E.decline, S.declined),
        (S.requested, E.cancel, S.cancelled),
        (S.requested, E.expire, S.expired),
        (S.approved, E.upload, S.fulfilled),
        (S.approved, E.cancel, S.cancelled),
        (S.fulfilled, E.upload, S.fulfilled),
        (S.fulfilled, E.close, S.closed),
    ],
)
def test_legal_transitions(state: RequestState, event: Event, expected: RequestState) -> None:
    assert next_state(state, event) is expected


@pytest.mark.parametrize(
    ("state", "event"),
    [
        (S.requested, E.upload),
        (S.requested, E.close),
        (S.approved, E.approve),
        (S.approved, E.decline),
        (S.approved, E.close),
        (S.fulfilled, E.cancel),
        (S.fulfilled, E.approve),
        (S.declined, E.approve),
        (S.cancelled, E.upload),
        (S.expired, E.approve),
        (S.closed, E.upload),
    ],
)
def test_illegal_transitions_are_409_naming_the_state(state: RequestState, event: Event) -> None:
    with pytest.raises(Conflict) as err:
        next_state(state, event)
    assert state.value in err.value.detail and event.value in err.value.detail
    assert err.value.status == 409


def test_terminal_states_allow_nothing() -> None:
    for s in (S.declined, S.cancelled, S.expired, S.closed):
        assert allowed_events(s) == []
    assert set(allowed_events(S.requested)) == {E.approve, E.decline, E.cancel, E.expire}


def test_an_overdue_request_is_expired_and_cannot_be_approved() -> None:
    due = NOW - timedelta(seconds=1)
    assert effective_state("requested", due, NOW) is S.expired
    assert effective_state("requested", NOW + timedelta(days=1), NOW) is S.requested
    assert effective_state("approved", due, NOW) is S.approved  # only unanswered requests expire
    with pytest.raises(Conflict, match="expired"):
        check_event("requested", due, E.approve, NOW)
    assert check_event("requested", due, E.expire, NOW) is S.expired
    assert check_event("requested", None, E.approve, NOW) is S.approved


def test_who_approves_and_which_cameras_take_requests() -> None:
    assert needs_owner_approval("some-user-id") is True
    assert needs_owner_approval(None) is False
    for level in ("registered", "on_request", "live_linked"):
        check_sharing(level)
    for level in ("withdrawn", "bogus"):
        with pytest.raises(Conflict, match=level):
            check_sharing(level)


def _window(start: datetime, end: datetime, retention: int | None = 30) -> None:
    check_window(start, end, now=NOW, max_hours=24, owner_retention_days=retention)


def test_window_checks_name_the_field() -> None:
    _window(NOW - timedelta(hours=2), NOW - timedelta(hours=1))
    cases = [
        (NOW - timedelta(hours=1), NOW - timedelta(hours=2), "window_end"),  # backwards
        (NOW - timedelta(hours=30), NOW - timedelta(hours=1), "window_end"),  # too long
        (NOW + timedelta(hours=1), NOW + timedelta(hours=2), "window_start"),  # future
        (NOW - timedelta(days=40), NOW - timedelta(days=40) + timedelta(hours=1), "window_end"),  # overwritten
        (datetime(2026, 11, 22, 10), NOW, "window_start"),  # naive
    ]
    for start, end, field in cases:
        with pytest.raises(ValidationFailed) as err:
            _window(start, end)
        assert err.value.errors[0]["field"] == field
    # no retention known: an old window is allowed
    _window(NOW - timedelta(days=400), NOW - timedelta(days=400) + timedelta(hours=1), retention=None)


MP4 = b"\x00\x00\x00\x18ftypisom\x00\x00\x02\x00isomiso2"
MOV = b"\x00\x00\x00\x14ftypqt  \x00\x00\x00\x00qt  "
MOV_OLD = b"\x00\x00\x00\x08wide\x00\x01\x00\x00mdat"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"
JPEG = b"\xff\xd8\xff\xdb\x00\x43"
MKV = b"\x1a\x45\xdf\xa3\x9f\x42\x86\x81\x01\x42\x82\x88matroska"
WEBM = b"\x1a\x45\xdf\xa3\x9f\x42\x86\x81\x01\x42\x82\x84webm"
AVI = b"RIFF\x00\x10\x00\x00AVI LIST"
TS = (b"\x47" + bytes(187)) * 2


@pytest.mark.parametrize(
    ("head", "ctype"),
    [
        (MP4, "video/mp4"),
        (MOV, "video/quicktime"),
        (MOV_OLD, "video/quicktime"),
        (PNG, "image/png"),
        (JPEG, "image/jpeg"),
        (MKV, "video/x-matroska"),
        (WEBM, "video/webm"),
        (AVI, "video/x-msvideo"),
        (TS, "video/mp2t"),
        (b"%PDF-1.7", None),
        (b"GIF89a", None),
        (b"hello world, not a video", None),
        (b"", None),
    ],
)
def test_sniff(head: bytes, ctype: str | None) -> None:
    assert sniff(head) == ctype


def test_check_type_uses_the_bytes_not_the_declaration() -> None:
    allowed = ["video/mp4", "image/png"]
    assert check_type(MP4, declared=None, allowed=allowed) == "video/mp4"
    assert check_type(MP4, declared="application/octet-stream", allowed=allowed) == "video/mp4"
    assert check_type(PNG, declared="image/png; charset=binary", allowed=allowed) == "image/png"
    with pytest.raises(UnsupportedMediaType, match="declared as video/mp4"):
        check_type(PNG, declared="video/mp4", allowed=allowed)
    with pytest.raises(UnsupportedMediaType, match="not accepted"):
        check_type(JPEG, declared="image/jpeg", allowed=allowed)
    with pytest.raises(UnsupportedMediaType, match="not a recognised") as err:
        check_type(b"#!/bin/sh\nrm -rf /", declared="video/mp4", allowed=allowed)
    assert err.value.status == 415 and err.value.errors[0]["field"] == "file"


def test_safe_filename() -> None:
    assert safe_filename("../../etc/passwd") == "passwd"
    assert safe_filename("C:\\Users\\me\\clip 1.mp4") == "clip 1.mp4"
    assert safe_filename(".hidden") == "hidden"
    assert safe_filename(None) == "clip"
    assert safe_filename("a\x00b\nc.mp4") == "abc.mp4"


def _entry(seq: int, action: str = "download") -> CustodyFields:
    return CustodyFields(
        request_id="r1",
        seq=seq,
        action=action,
        actor="ana",
        actor_role="analyst",
        at=NOW + timedelta(seconds=seq),
        clip_id=None,
        sha256="ab" * 32,
        client_ip="10.0.0.1",
        details={"n": seq},
    )


def _chain(n: int) -> list[tuple[str, str, CustodyFields]]:
    out = []
    prev = CUSTODY_GENESIS
    for i in range(1, n + 1):
        f = _entry(i)
        h = custody_hash(prev, f)
        out.append((prev, h, f))
        prev = h
    return out


def test_custody_chain_detects_edits_deletions_and_insertions() -> None:
    chain = _chain(4)
    assert check_chain(chain).ok and check_chain(chain).checked == 4
    edited = list(chain)
    prev, h, f = edited[1]
    edited[1] = (prev, h, replace(f, actor="mallory"))
    bad = check_chain(edited)
    assert not bad.ok and bad.first_bad_seq == 2 and "edited" in (bad.problem or "")
    deleted = chain[:1] + chain[2:]
    bad = check_chain(deleted)
    assert not bad.ok and bad.first_bad_seq == 3
    reordered = [chain[0], chain[2], chain[1], chain[3]]
    assert not check_chain(reordered).ok
    # a hash depends on every field
    assert custody_hash(CUSTODY_GENESIS, _entry(1)) != custody_hash(CUSTODY_GENESIS, _entry(1, "export"))
