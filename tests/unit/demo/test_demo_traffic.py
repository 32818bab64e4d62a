"""The demo traffic generator: seeded determinism, volumes, diurnal shape, misreads, recurrence, the demo hotlist and
the scripted hotlisted vehicles whose hits (one a misread) appear within a minute."""

from __future__ import annotations

import itertools
from collections import Counter
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np
import pytest

from rtcc.core.plates import differing_positions, ocr_class
from rtcc.demo import traffic, world
from rtcc.demo.traffic import (
    DEMO_HOTLISTS,
    SCHEDULED,
    VOLUME_RANGE,
    DemoHotlistEntry,
    DemoRead,
    TrafficModel,
    demo_hotlist,
)
from rtcc.hotlists.logic import FIELD_LIMITS, Category

PACIFIC = ZoneInfo("America/Los_Angeles")
TUESDAY = datetime(2025, 3, 4, tzinfo=PACIFIC)  # a weekday, no DST change
SEED = 20250304


@pytest.fixture(scope="module")
def hotlist() -> list[DemoHotlistEntry]:
    return demo_hotlist(np.random.default_rng(SEED))


@pytest.fixture(scope="module")
def model(hotlist: list[DemoHotlistEntry]) -> TrafficModel:
    return TrafficModel(np.random.default_rng(SEED), hotlist=hotlist, circulating=8)


@pytest.fixture(scope="module")
def weekday(model: TrafficModel) -> list[DemoRead]:
    """One full local weekday of background reads."""
    return model.reads_between(TUESDAY, TUESDAY + timedelta(days=1))


def _key(r: DemoRead) -> tuple[object, ...]:
    return (r.camera_code, r.plate, r.region, r.confidence, r.observed_at, r.make, r.color, r.candidates)


def test_same_seed_same_reads_different_seed_different_reads() -> None:
    start = datetime(2025, 3, 4, 15, 0, tzinfo=UTC)
    end = start + timedelta(minutes=10)

    def run(seed: int) -> list[tuple[object, ...]]:
        m = TrafficModel(np.random.default_rng(seed))
        return [_key(r) for r in m.reads_between(start, end)] + [_key(r) for r in m.schedule_hotlisted(start)]

    a, b, c = run(7), run(7), run(8)
    assert a == b
    assert a != c
    assert demo_hotlist(np.random.default_rng(3)) == demo_hotlist(np.random.default_rng(3))


def test_daily_volume_per_camera_matches_the_calibration(weekday: list[DemoRead]) -> None:
    per_camera = Counter(r.camera_code for r in weekday)
    lo, hi = VOLUME_RANGE
    for cam in world.cameras():
        n = per_camera[cam.code]
        assert lo <= n <= hi, (cam.code, n)
        assert n == pytest.approx(cam.daily_volume, rel=0.06), (cam.code, n)


def test_reads_are_in_window_sorted_and_utc(weekday: list[DemoRead]) -> None:
    start, end = TUESDAY.astimezone(UTC), (TUESDAY + timedelta(days=1)).astimezone(UTC)
    times = [r.observed_at for r in weekday]
    assert times == sorted(times)
    assert all(t.tzinfo is UTC for t in times)
    assert start <= times[0] and times[-1] < end


def test_rush_hours_are_busier_than_3am(weekday: list[DemoRead]) -> None:
    by_hour = Counter(r.observed_at.astimezone(PACIFIC).hour for r in weekday)
    night = by_hour[3]
    for hour in (7, 8, 16, 17):
        assert by_hour[hour] > 8 * night, (hour, by_hour[hour], night)
    assert max(by_hour, key=lambda h: by_hour[h]) in (7, 8, 16, 17)
    # The afternoon peak is the busiest part of the day, the small hours the quietest.
    assert by_hour[17] > by_hour[12] > by_hour[22] > by_hour[3]


def test_misread_fraction_and_shape(weekday: list[DemoRead]) -> None:
    misreads = [r for r in weekday if r.is_misread]
    fraction = len(misreads) / len(weekday)
    assert 0.01 <= fraction <= 0.02
    for r in misreads:
        assert len(differing_positions(r.plate, r.true_plate)) == 1
        assert ocr_class(r.plate) == ocr_class(r.true_plate)
    # Most misreads carry the true plate as a lower-confidence candidate.
    with_truth = [r for r in misreads if any(p == r.true_plate for p, _ in r.candidates[1:])]
    assert 0.6 <= len(with_truth) / len(misreads) <= 0.8
    assert all(r.candidates[0] == (r.plate, r.confidence) for r in weekday[:2000])


def test_confidence_and_attributes(weekday: list[DemoRead]) -> None:
    conf = np.array([r.confidence for r in weekday])
    assert conf.min() >= 50 and conf.max() <= 100
    low = float(np.mean(conf < 80))
    assert 0.03 <= low <= 0.09
    assert float(np.median(conf)) > 88
    makes = Counter(r.make for r in weekday)
    assert makes.most_common(1)[0][0] == "Toyota"
    assert 0.01 <= makes[None] / len(weekday) <= 0.03
    assert {r.vehicle_type for r in weekday} >= {"sedan", "suv", "pickup", "minivan"}
    assert Counter(r.color for r in weekday).most_common(1)[0][0] == "white"


def test_regions_mostly_california(weekday: list[DemoRead]) -> None:
    regions = Counter(r.region for r in weekday)
    assert regions["CA"] / len(weekday) > 0.9
    assert {"AZ", "NV", "TX"} <= set(regions)


def test_regular_plates_recur(model: TrafficModel, weekday: list[DemoRead]) -> None:
    counts = Counter(r.true_plate for r in weekday)
    repeat_reads = sum(n for n in counts.values() if n >= 2)
    assert repeat_reads / len(weekday) > 0.45  # regulars pass their cameras about twice a day
    # The same cars come back the next day at the same cameras.
    wed = TUESDAY + timedelta(days=1)
    next_morning = model.reads_between(wed + timedelta(hours=7), wed + timedelta(hours=9))
    tuesday_pairs = {(r.camera_code, r.true_plate) for r in weekday}
    seen_again = sum((r.camera_code, r.true_plate) in tuesday_pairs for r in next_morning)
    assert seen_again / len(next_morning) > 0.4


def test_california_plates_look_californian(weekday: list[DemoRead]) -> None:
    ca = [r.true_plate for r in weekday if r.region == "CA"]
    sequential = [p for p in ca if len(p) == 7 and p[0].isdigit() and p[1:4].isalpha() and p[4:].isdigit()]
    assert len(sequential) / len(ca) > 0.8
    assert {p[0] for p in sequential} <= set("3456789")


def test_hotlisted_plates_stay_out_of_background_traffic_except_circulating(
    model: TrafficModel, hotlist: list[DemoHotlistEntry], weekday: list[DemoRead]
) -> None:
    circulating = {ocr_class(e.plate) for e in model.circulating}
    assert len(model.circulating) == 8
    listed = {ocr_class(e.plate) for e in hotlist} - circulating
    assert not any(ocr_class(r.plate) in listed for r in weekday)
    hits = [r for r in weekday if ocr_class(r.plate) in circulating]
    assert 10 <= len(hits) <= 100


def test_speedup_scales_the_rate() -> None:
    m = TrafficModel(np.random.default_rng(1))
    start = datetime(2025, 3, 4, 20, 0, tzinfo=UTC)  # noon in Los Angeles
    end = start + timedelta(minutes=5)
    base = m.expected_count(start, end)
    assert m.expected_count(start, end, speedup=10.0) == pytest.approx(base * 10.0)
    fast = m.reads_between(start, end, speedup=10.0)
    assert len(fast) == pytest.approx(base.sum() * 10.0, rel=0.1)
    assert all(start <= r.observed_at < end for r in fast)


def test_window_edges_and_bad_input() -> None:
    m = TrafficModel(np.random.default_rng(1))
    t = datetime(2025, 3, 4, 20, 0, 30, tzinfo=UTC)
    assert m.reads_between(t, t) == []
    # A window that starts mid-minute gets half that minute's share.
    half = m.expected_count(t, t + timedelta(seconds=30)).sum()
    full = m.expected_count(t - timedelta(seconds=30), t + timedelta(seconds=30)).sum()
    assert half == pytest.approx(full / 2, rel=1e-9)
    with pytest.raises(ValueError, match="timezone"):
        m.reads_between(datetime(2025, 3, 4, 12, 0), datetime(2025, 3, 4, 13, 0))
    with pytest.raises(ValueError, match="speedup"):
        m.reads_between(t, t + timedelta(minutes=1), speedup=0)


def test_day_shares() -> None:
    weekday_total = sum(traffic.day_share(TUESDAY + timedelta(minutes=i)) for i in range(1440))
    sunday = datetime(2025, 3, 2, tzinfo=PACIFIC)
    weekend_total = sum(traffic.day_share(sunday + timedelta(minutes=i)) for i in range(1440))
    assert weekday_total == pytest.approx(1.0)
    assert weekend_total == pytest.approx(traffic.WEEKEND_FACTOR)


def test_demo_hotlist_contents(hotlist: list[DemoHotlistEntry]) -> None:
    assert 250 <= len(hotlist) <= 300
    categories = Counter(e.category for e in hotlist)
    assert categories["stolen_vehicle"] > 150
    assert categories["stolen_plate"] > 30
    assert categories["wanted_person"] >= 1 and categories["amber_alert"] == 1
    assert {Category(c) for c in categories}  # every category is a real hotlist category
    names = {h.name for h in DEMO_HOTLISTS}
    assert all(e.hotlist in names for e in hotlist)
    assert len({e.plate for e in hotlist}) == len(hotlist)
    assert all(e.reason and e.case_number for e in hotlist)
    for e in hotlist:
        for field, limit in (("plate", "plate"), ("reason", "reason"), ("case_number", "case_number")):
            assert len(getattr(e, field)) <= FIELD_LIMITS[limit]
    stolen = [e for e in hotlist if e.category == "stolen_vehicle"]
    assert all(e.make and e.color and e.case_number.startswith("V") for e in stolen)
    listed = {e.plate for e in hotlist}
    for veh in SCHEDULED:
        assert (veh.misread_as or veh.plate) in listed


def test_scheduled_hits_within_a_minute_including_one_misread(hotlist: list[DemoHotlistEntry]) -> None:
    m = TrafficModel(np.random.default_rng(11), hotlist=hotlist)
    start = datetime(2025, 3, 4, 18, 0, tzinfo=UTC)
    reads = m.schedule_hotlisted(start)
    listed = {e.plate: e for e in hotlist}
    first_minute = [r for r in reads if r.observed_at - start <= timedelta(seconds=60)]
    assert all(r.observed_at >= start for r in reads)

    misreads = [r for r in first_minute if r.is_misread and r.plate in listed]
    assert len(misreads) == 1
    bad = misreads[0]
    entry = listed[bad.plate]
    assert len(differing_positions(bad.plate, bad.true_plate)) == 1
    assert ocr_class(bad.plate) == ocr_class(bad.true_plate)
    assert (bad.make, bad.color) != (entry.make, entry.color)  # a different car: a person must reject the hit
    assert bad.candidates[1][0] == bad.true_plate

    correct = [r for r in first_minute if not r.is_misread and r.plate in listed]
    assert any(r.make == listed[r.plate].make and r.color == listed[r.plate].color for r in correct)
    assert any(listed[r.plate].category == "stolen_vehicle" for r in correct)


def test_scheduled_vehicles_drive_plausible_routes(hotlist: list[DemoHotlistEntry]) -> None:
    m = TrafficModel(np.random.default_rng(12), hotlist=hotlist)
    start = datetime(2025, 3, 4, 18, 0, tzinfo=UTC)
    reads = m.schedule_hotlisted(start)
    for veh in SCHEDULED:
        mine = [r for r in reads if r.true_plate == veh.plate]
        assert [r.camera_code for r in mine] == list(veh.route)
        assert len(mine) >= 3
        for a, b in itertools.pairwise(mine):
            ca, cb = world.camera(a.camera_code), world.camera(b.camera_code)
            seconds = (b.observed_at - a.observed_at).total_seconds()
            speed = world.distance_m(ca.lat, ca.lon, cb.lat, cb.lon) / seconds
            assert 3.0 < speed < 20.0  # city driving speed, including signals
        assert mine[-1].observed_at - mine[0].observed_at > timedelta(minutes=2)
        assert mine[0].observed_at - start <= timedelta(seconds=60)


def test_the_feeder_compresses_the_night_to_its_floor_and_leaves_the_day_alone() -> None:
    from datetime import UTC, datetime, timedelta

    from rtcc.demo.feeder import MIN_READS_PER_MINUTE, Feeder

    f = Feeder("http://127.0.0.1:9", "key")
    night = datetime(2026, 11, 4, 11, 30, tzinfo=UTC)  # 3:30 am Pacific on a Wednesday
    noon = datetime(2026, 11, 4, 20, 0, tzinfo=UTC)  # noon Pacific
    minute = timedelta(minutes=1)
    at_night = f.effective_speedup(night, night + minute)
    assert at_night > 2.0
    rate = float(f.model.expected_count(night, night + minute, speedup=at_night).sum())
    assert abs(rate - MIN_READS_PER_MINUTE) < 1e-6
    assert f.effective_speedup(noon, noon + minute) == 1.0
