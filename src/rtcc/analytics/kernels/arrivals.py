"""Arrivals of calls for service: a weekly rate profile fitted from history, and arrivals sampled from it.

Calls arrive as a non-homogeneous Poisson process whose rate is constant within each hour of the week (168 hours,
Monday 00:00 first, local time). ``fit_profile`` estimates the rate of each hour of the week from the local weekday
and hour of past calls and the number of weeks they span; ``sample_arrivals`` draws arrival times from such a
profile for any window (exactly: a Poisson count per hour slice, uniform times within it, which is the process's
law when its rate is piecewise constant); ``sample_mix`` draws a call type for each arrival from a categorical mix.
The demo's simulated shifts and the what-if simulator both draw their calls here, with an injected generator so that
a seed reproduces a run.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

HOURS_PER_WEEK = 168


@dataclass(frozen=True)
class ArrivalProfile:
    """Expected calls per hour for each hour of the week (index ``weekday * 24 + hour``, Monday = 0)."""

    per_hour: tuple[float, ...]

    def __post_init__(self) -> None:
        if len(self.per_hour) != HOURS_PER_WEEK:
            raise ValueError(f"an arrival profile has {HOURS_PER_WEEK} hourly rates, got {len(self.per_hour)}")
        if any(not np.isfinite(r) or r < 0 for r in self.per_hour):
            raise ValueError("hourly rates must be finite and non-negative")

    @property
    def calls_per_week(self) -> float:
        """Expected calls in one week."""
        return float(sum(self.per_hour))

    def scaled(self, factor: float) -> ArrivalProfile:
        """The same shape with every rate multiplied by ``factor`` (e.g. to a city of another size)."""
        if factor < 0:
            raise ValueError("a scale factor must be non-negative")
        return ArrivalProfile(tuple(r * factor for r in self.per_hour))

    def shape(self) -> npt.NDArray[np.float64]:
        """The rates as a 7 x 24 array (weekday, hour)."""
        return np.asarray(self.per_hour, dtype=np.float64).reshape(7, 24)


def fit_profile(
    weekdays: npt.ArrayLike, hours: npt.ArrayLike, *, weeks: float, smoothing: float = 0.0
) -> ArrivalProfile:
    """The mean calls per hour of the week, from each past call's local weekday (0-6, Monday 0) and hour (0-23).

    ``weeks`` is the span the calls cover (their count in an hour slot divided by it is the rate). ``smoothing`` in
    [0, 1] blends each slot with the mean of the same hour over all weekdays (a sparse history's weekday noise).
    """
    wd = np.asarray(weekdays, dtype=np.int64)
    hr = np.asarray(hours, dtype=np.int64)
    if wd.shape != hr.shape:
        raise ValueError("weekdays and hours must have the same length")
    if weeks <= 0:
        raise ValueError("weeks must be positive")
    if not 0.0 <= smoothing <= 1.0:
        raise ValueError("smoothing must lie in [0, 1]")
    if wd.size and (wd.min() < 0 or wd.max() > 6 or hr.min() < 0 or hr.max() > 23):
        raise ValueError("weekdays lie in 0..6 and hours in 0..23")
    counts = np.bincount(wd * 24 + hr, minlength=HOURS_PER_WEEK).astype(np.float64) / weeks
    grid = counts.reshape(7, 24)
    blended = (1.0 - smoothing) * grid + smoothing * grid.mean(axis=0, keepdims=True)
    return ArrivalProfile(tuple(float(x) for x in blended.ravel()))


def sample_arrivals(
    profile: ArrivalProfile, *, start_hour_of_week: float, hours: float, rng: np.random.Generator
) -> npt.NDArray[np.float64]:
    """Arrival offsets in seconds from the window's start, sorted, for a window of ``hours`` beginning at
    ``start_hour_of_week`` (0 = Monday 00:00 local; fractions allowed; the week wraps around)."""
    if hours < 0:
        raise ValueError("hours must be non-negative")
    rates = np.asarray(profile.per_hour, dtype=np.float64)
    out: list[npt.NDArray[np.float64]] = []
    t = 0.0  # hours since the window's start
    while t < hours:
        now = (start_hour_of_week + t) % HOURS_PER_WEEK
        slot = int(now)
        span = min(slot + 1 - now, hours - t)  # what is left of this hour slot, or of the window
        n = int(rng.poisson(rates[slot] * span))
        if n:
            out.append((t + rng.uniform(0.0, span, size=n)) * 3600.0)
        t += span
    if not out:
        return np.empty(0, dtype=np.float64)
    return np.sort(np.concatenate(out))


def sample_mix(weights: Mapping[str, float], n: int, *, rng: np.random.Generator) -> list[str]:
    """``n`` categories drawn independently with probabilities proportional to ``weights``."""
    if n < 0:
        raise ValueError("n must be non-negative")
    names: Sequence[str] = sorted(weights)
    w = np.asarray([weights[k] for k in names], dtype=np.float64)
    if not names or w.sum() <= 0 or (w < 0).any():
        raise ValueError("a mix needs at least one category with a positive weight and none negative")
    idx = rng.choice(len(names), size=n, p=w / w.sum())
    return [names[i] for i in idx]
