"""Fixtures of the investigations tests (the world itself lives in ``search_world``).

``settings`` is narrowed here: the plate index catches up before every search (``search_index_catchup_s=0``), since
each test writes reads directly into ``alpr_reads`` (no ``alpr.reads.stored`` consumer) and then searches at once.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from search_world import world

from rtcc.settings import Settings

__all__ = ["settings", "world"]


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    """Embedded-profile settings on the test database, catching the plate index up before every search."""
    return Settings(
        database_url=database_url,
        bus_url="memory://",
        mqtt_url=None,
        data_dir=tmp_path,
        session_idle_minutes=30,
        search_index_catchup_s=0,
    )
