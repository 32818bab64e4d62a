"""The oversight tests empty every table between tests (PostgreSQL restarts the ids), which production never does:
drop the in-memory interval columns before each test so a table refilled to the same size is read again."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from rtcc.oversight import columns


@pytest.fixture(autouse=True)
def _fresh_columns() -> Iterator[None]:
    columns.forget()
    yield
    columns.forget()
