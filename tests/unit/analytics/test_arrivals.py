"""The arrivals kernel: a weekly profile fitted from call times, and Poisson arrivals drawn from it."""

from __future__ import annotations

import numpy as np
import pytest

from rtcc.analytics.kernels.arrivals import HOURS_PER_WEEK, ArrivalProfile, fit_profile, sample_arrivals, sample_mix


def test_fit_counts_each_hour_of_the_week_per_week() -> None:
    # 4 calls on Mondays 08:xx and 2 on Sundays 23:xx over two weeks
    prof = fit_profile([0, 0, 0, 0, 6, 6], [8, 8, 8, 8, 23, 23], weeks=2)
    rates = prof.shape()
    assert rates[0, 8] == 2.0
    assert rates[6, 23] == 1.0
    assert prof.calls_per_week == 3.0
    assert np.count_nonzero(rates) == 2


def test_smoothing_blends_with_the_same_hour_of_other_days() -> None:
    prof = fit_profile([0] * 7, [8] * 7, weeks=1, smoothing=1.0)
    assert np.allclose(prof.shape()[:, 8], 1.0)  # 7 calls on Monday 08h spread over the seven 08h slots
    assert prof.calls_per_week == pytest.approx(7.0)


def test_bad_inputs_are_refused() -> None:
    with pytest.raises(ValueError, match="168"):
        ArrivalProfile((1.0,) * 24)
    with pytest.raises(ValueError, match=r"0\.\.6"):
        fit_profile([7], [0], weeks=1)
    with pytest.raises(ValueError, match="weeks"):
        fit_profile([0], [0], weeks=0)
    with pytest.raises(ValueError, match="positive weight"):
        sample_mix({"a": 0.0}, 3, rng=np.random.default_rng(0))


def test_arrival_counts_follow_the_profile() -> None:
    rates = np.zeros(HOURS_PER_WEEK)
    rates[9] = 30.0  # Monday 09h
    rates[10] = 10.0  # Monday 10h
    prof = ArrivalProfile(tuple(rates))
    rng = np.random.default_rng(7)
    counts_9, counts_10, total = [], [], []
    for _ in range(400):
        t = sample_arrivals(prof, start_hour_of_week=8.5, hours=2.0, rng=rng) / 3600.0 + 8.5
        counts_9.append(int(((t >= 9) & (t < 10)).sum()))
        counts_10.append(int(((t >= 10) & (t < 10.5)).sum()))
        total.append(t.size)
        assert np.all(np.diff(t) >= 0) and np.all((t >= 9) & (t < 10.5))  # nothing at 08:30-09:00 or after 10:30
    # Poisson means 30 and 5 (half of the 10h slot); 400 draws: the sample mean lies within 4 standard errors
    assert abs(np.mean(counts_9) - 30.0) < 4 * np.sqrt(30 / 400)
    assert abs(np.mean(counts_10) - 5.0) < 4 * np.sqrt(5 / 400)
    assert np.var(counts_9) == pytest.approx(30.0, rel=0.25)  # Poisson: variance equals the mean


def test_the_week_wraps_around_and_seeds_reproduce() -> None:
    rates = np.zeros(HOURS_PER_WEEK)
    rates[0] = 50.0  # Monday 00h, reached from Sunday 23:00
    prof = ArrivalProfile(tuple(rates))
    a = sample_arrivals(prof, start_hour_of_week=167.0, hours=2.0, rng=np.random.default_rng(3))
    b = sample_arrivals(prof, start_hour_of_week=167.0, hours=2.0, rng=np.random.default_rng(3))
    assert a.size > 0 and np.array_equal(a, b)
    assert np.all((a >= 3600.0) & (a < 7200.0))


def test_mix_proportions() -> None:
    got = sample_mix({"BURGLARY": 1.0, "ALRBS": 3.0}, 20_000, rng=np.random.default_rng(1))
    share = got.count("ALRBS") / len(got)
    assert abs(share - 0.75) < 4 * np.sqrt(0.75 * 0.25 / 20_000)
    assert sample_mix({"X": 1.0}, 0, rng=np.random.default_rng(1)) == []
