"""Fixtures of the dispatch unit tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from rtcc.dispatch.adapters.eido_schema import SCHEMA_ENV
from rtcc_testing import eido_schema_file


@pytest.fixture
def eido_schema(monkeypatch: pytest.MonkeyPatch) -> Path:
    """The operator's EIDO schema bundle (NENA's schema is not shipped), derived from ../shared/data and installed
    through ``RTCC_EIDO_SCHEMA``; the test skips where that folder is absent."""
    path = eido_schema_file()
    monkeypatch.setenv(SCHEMA_ENV, str(path))
    return path
