"""Fixtures of the analytics kernels' tests."""

from __future__ import annotations

import pytest
from analytics_sim import planted_history

from rtcc.analytics.kernels.grid import EventHistory, Grid


@pytest.fixture(scope="module")
def planted() -> tuple[Grid, EventHistory]:
    """The planted history (seed 7, two years, 30 x 30 cells)."""
    return planted_history()
