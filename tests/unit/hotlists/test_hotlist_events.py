"""``hotlists.changed`` is a versioned, typed event declared once by the hotlists domain."""

from __future__ import annotations

import uuid

import pytest
from pydantic import ValidationError

from rtcc.bus.envelope import Envelope
from rtcc.hotlists.events import CHANGED_EVENT, CHANGED_VERSION, HotlistsChanged


def test_a_change_travels_as_a_versioned_envelope_and_back() -> None:
    hid = uuid.uuid4()
    env = HotlistsChanged(change="entries_added", hotlist_id=hid, version=7).envelope()
    assert env.type == CHANGED_EVENT and env.schema_version == CHANGED_VERSION and env.source == "hotlists"
    assert env.payload == {"change": "entries_added", "hotlist_id": str(hid), "version": 7}
    assert HotlistsChanged.of(env) == HotlistsChanged(change="entries_added", hotlist_id=hid, version=7)


def test_a_payload_that_is_not_a_change_is_refused() -> None:
    with pytest.raises(ValidationError):
        HotlistsChanged.of(Envelope(type=CHANGED_EVENT, source="x", payload={"change": "x", "plates": ["7ABC123"]}))
