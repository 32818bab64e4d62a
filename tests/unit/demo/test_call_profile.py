"""The demo's committed call profile is a usable arrival shape and call mix."""

from __future__ import annotations

import json
from importlib import resources

import numpy as np

from rtcc.analytics.kernels.arrivals import ArrivalProfile, sample_mix


def test_call_profile_is_a_weekly_shape_and_a_mix() -> None:
    data = json.loads(resources.files("rtcc.demo.data").joinpath("call_profile.json").read_text(encoding="utf-8"))
    prof = ArrivalProfile(tuple(data["hour_of_week_weights"]))
    assert abs(prof.calls_per_week - 1.0) < 1e-3
    assert prof.shape()[:, 3].sum() < prof.shape()[:, 15].sum()  # fewer calls at 03h than at 15h
    mix = data["mix"]
    assert abs(sum(mix.values()) - 1.0) < 1e-3
    assert mix["ALRBA/residential"] > 0 and mix["BURGLARY"] > 0
    assert len(sample_mix(mix, 50, rng=np.random.default_rng(0))) == 50
