"""The hotspot models a backtest compares, baselines first (a tie goes to the model listed first)."""

from __future__ import annotations

from rtcc.analytics.kernels.hotspots import BoostedCounts, HotspotModel, KernelDensity, NaiveAll, NaiveLast
from rtcc.analytics.kernels.sepp import SelfExciting


def standard_models() -> tuple[HotspotModel, ...]:
    """Naive last window, naive all history, KDE, boosted lagged counts and the self-exciting point process."""
    return (NaiveLast(), NaiveAll(), KernelDensity(), BoostedCounts(), SelfExciting())
