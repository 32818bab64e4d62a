"""Historic CAD readers on the real exports in ../shared/data/cad (row counts, hand-checked times, problems), the
generic column-mapping reader, layout detection and the State Plane projection."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from rtcc.core.errors import ImportFailed
from rtcc.dispatch.adapters.cad_history import CadFile, CadLayoutError, LocalClock, detect_layout, parse_mapping
from rtcc.dispatch.adapters.cad_history.stateplane import CA_ZONE_2_FTUS, US_FOOT, LambertConic
from rtcc_testing import shared_data


def _utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)  # type: ignore[misc]


# --- Alexandria DECC ----------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def alexandria() -> tuple[CadFile, dict[str, object]]:
    cad = CadFile(shared_data("cad", "alexandria_decc_2025", "cad_calls_weeks35_45_2025.csv"))
    return cad, {row.external_id: row for row in cad}


def test_alexandria_counts_and_problems(alexandria):
    cad, rows = alexandria
    assert cad.layout == "alexandria_decc"
    # 17,156 records; 9 have no Master_Incident_Number and are reported, not imported; the others are unique.
    assert cad.records == 17_156
    assert cad.rows == 17_147
    assert len(rows) == 17_147
    assert cad.problem_count == 9
    assert all(p.column == "Master_Incident_Number" and p.skipped for p in cad.problems)
    assert str(cad.problems[0]) == (
        "cad_calls_weeks35_45_2025.csv:268: Master_Incident_Number: no call number ('' ; row skipped)".replace(
            " ;", ";"
        )
    )


def test_alexandria_times_by_hand(alexandria):
    _, rows = alexandria
    first = rows["25-071089"]  # line 2: 2025-08-24 00:07:06 EDT
    assert first.received == _utc(2025, 8, 24, 4, 7, 6)
    assert first.queued == _utc(2025, 8, 24, 4, 7, 53)
    assert first.dispatched == _utc(2025, 8, 24, 4, 9, 46, 810000)
    assert first.acknowledged == _utc(2025, 8, 24, 4, 13, 10, 710000)
    assert first.on_scene == _utc(2025, 8, 24, 4, 23, 51, 860000)
    assert first.closed == _utc(2025, 8, 24, 4, 35, 47, 260000)
    assert (first.agency, first.call_type_code, first.priority, first.source) == (
        "POLICE",
        "ALARM COMMERCIAL",
        "2",
        "phone",
    )
    assert (first.disposition_code, first.disposition_text, first.disposition_common) == ("FALSE", "False Alarm", "17")
    assert first.received.tzinfo is UTC
    # After the fall-back transition, EST (UTC-5): 2025-11-08 23:58:31 local.
    assert rows["25-094630"].received == _utc(2025, 11, 9, 4, 58, 31)
    # Closed at 01:01:20.833 on 2025-11-02, the repeated hour: the earlier instant (EDT) keeps the chain in order.
    assert rows["25-092400"].closed == _utc(2025, 11, 2, 5, 1, 20, 833000)
    # Self-initiated traffic stop: source officer.
    assert rows["25-071093"].source == "officer"


def test_alexandria_row_to_document(alexandria):
    _, rows = alexandria
    doc = rows["25-071089"].to_document()
    assert doc.origin == "cad:alexandria_decc"
    assert doc.status() == "closed"
    assert doc.disposition is not None and doc.disposition.common_code == "17"
    assert doc.call_taker == "STAFF_001" and doc.dispatcher == "STAFF_002"


# --- San Luis Obispo PD ----------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def slopd() -> tuple[CadFile, dict[str, object]]:
    cad = CadFile(shared_data("cad", "slopd_2021_2022", "slopd_call_log_2021-09_to_2022-03.csv"))
    return cad, {row.external_id: row for row in cad}


def test_slopd_counts(slopd):
    cad, _ = slopd
    assert cad.layout == "slopd"
    assert (cad.records, cad.rows, cad.problem_count) == (20_076, 20_076, 0)


def test_slopd_times_by_hand(slopd):
    _, rows = slopd
    first = rows["210914012"]  # 09/14/21 07:08 PDT, dispatched 07:12, arrived 07:23
    assert (first.received, first.dispatched, first.on_scene) == (
        _utc(2021, 9, 14, 14, 8),
        _utc(2021, 9, 14, 14, 12),
        _utc(2021, 9, 14, 14, 23),
    )
    assert first.time_precision == "minute"
    assert (first.address, first.place_name, first.beat) == ("2994 HIGUERA S", "SHADY LANE MHP", "PN9")
    assert first.units == ("4267", "4265")
    assert first.narrative == "MALE YELLING AND TALKING TO HIMSELF W/ MACHETE UNDER HIS ARM"
    assert (first.disposition_text, first.disposition_common) == ("No Report", "02")
    # Received 23:59 on 09/16, dispatched and arrived 00:08: the next day.
    crossing = rows["210917001"]
    assert crossing.received == _utc(2021, 9, 17, 6, 59)
    assert crossing.dispatched == crossing.on_scene == _utc(2021, 9, 17, 7, 8)
    # Winter: PST, UTC-8.
    assert rows["211225001"].received == _utc(2021, 12, 25, 9, 4)
    assert rows["211225001"].on_scene == _utc(2021, 12, 25, 9, 8)


# --- Sacramento PD -------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def sacramento() -> tuple[CadFile, dict[str, object]]:
    cad = CadFile(shared_data("cad", "sacramento_dispatch_jan2019", "january_2019_dispatch_data.csv"))
    return cad, {row.external_id: row for row in cad}


def test_sacramento_counts_and_problems(sacramento):
    cad, rows = sacramento
    assert cad.layout == "sacramento"
    assert (cad.records, cad.rows, len(rows)) == (25_000, 25_000, 25_000)
    # One record's X/Y is "1,1": dropped and reported (the 168 zero X/Y are "no coordinates", not problems).
    assert cad.problem_count == 1
    problem = cad.problems[0]
    assert (problem.line, problem.column, problem.skipped) == (7293, "X_Coordinate", False)
    assert sum(1 for r in rows.values() if r.lat is None) == 169


def test_sacramento_rows_by_hand(sacramento):
    _, rows = sacramento
    first = rows["7303185"]  # 1963 BONAVISTA WAY, never dispatched (1900-01-01 sentinel)
    assert first.received == _utc(2019, 1, 1)
    assert first.dispatched is None and first.on_scene is None
    assert first.cleared == _utc(2019, 1, 1)
    assert first.time_precision == "day"
    assert (first.lat, first.lon) == pytest.approx((38.476145, -121.493293), abs=1e-6)
    assert (first.call_type_code, first.call_type_text, first.beat) == ("927S", "SHOTS FIRED - LESS THAN 15 AGO", "5A")
    second = rows["7304328"]
    assert second.dispatched == _utc(2019, 1, 2) and second.units == ("2A65",) and second.officer == "1011"
    alarm = rows["7303206"]  # ALMADV, no separate disposition column: the alarm code is the outcome
    assert (alarm.disposition_code, alarm.disposition_common) == ("ALMADV", None)
    cancelled = rows["7304900"]
    assert (cancelled.disposition_code, cancelled.disposition_common) == ("ALMCAN", "10")
    # Every point of a city district falls in Sacramento; unincorporated ("UI") calls land where their addresses are
    # in the county (HWY 99 SB / SIMMERHORN RD is in Galt).
    city = [r for r in rows.values() if r.lat is not None and r.extra.get("police_district") != "UI"]
    assert len(city) > 24_000
    assert all(38.43 < r.lat < 38.70 and -121.57 < r.lon < -121.35 for r in city)
    county = [r for r in rows.values() if r.lat is not None and r.extra.get("police_district") == "UI"]
    outside = {r.address: (r.lat, r.lon) for r in county if not (38.43 < r.lat < 38.70 and -121.57 < r.lon < -121.35)}
    assert outside["HWY 99 SB / SIMMERHORN RD"] == pytest.approx((38.2644, -121.3001), abs=1e-3)


# --- detection, whole-file errors, bad rows ---------------------------------------------------------------------


def test_detect_layout_names_the_missing_column():
    assert (
        detect_layout(["case_number", "date", "received", "dispatched", "arrived", "cleared", "type", "address"])
        == "slopd"
    )
    with pytest.raises(CadLayoutError) as err:
        detect_layout(["case_number", "date", "received", "dispatched", "arrived", "type", "address"], file="x.csv")
    assert isinstance(err.value, ImportFailed)
    assert err.value.detail.startswith("x.csv: cleared: unknown CAD layout")
    assert "nearest is 'slopd'" in err.value.detail
    assert err.value.errors[0]["loc"] == ["x.csv", "cleared"]


def test_forced_layout_missing_column(tmp_path: Path):
    path = tmp_path / "calls.csv"
    path.write_text("case_number,date,received\n1,09/14/21,07:08\n")
    with pytest.raises(CadLayoutError, match=r"calls.csv: dispatched: required column missing for layout 'slopd'"):
        CadFile(path, layout="slopd")


def test_bad_rows_are_collected_with_file_line_and_column(tmp_path: Path):
    header = "case_number,date,received,dispatched,arrived,cleared,type,address,call_comments\n"
    path = tmp_path / "slo.csv"
    path.write_text(
        header
        + "1,09/14/21,07:08,07:12,,,Theft,1 MAIN;,\n"
        + "2,13/40/21,07:08,,,,Theft,,\n"  # bad date: skipped
        + "3,09/14/21,07:10,7h15,,,Theft,,\n"  # bad dispatched: kept without it
        + '4,09/14/21,07:20,,,,Theft,,"multi\nline comment"\n'  # a quoted newline: the next record starts 2 lines on
        + "5,09/14/21\n"  # short record: skipped
        + ",09/14/21,07:30,,,,Theft,,\n"  # no case number: skipped
    )
    cad = CadFile(path)
    rows = list(cad)
    assert [r.external_id for r in rows] == ["1", "3", "4"]
    assert rows[1].dispatched is None and rows[1].received == _utc(2021, 9, 14, 14, 10)
    assert rows[2].narrative == "multi\nline comment"
    assert [str(p) for p in cad.problems] == [
        "slo.csv:3: date: not a date MM/DD/YY ('13/40/21'; row skipped)",
        "slo.csv:4: dispatched: not a time of day HH:MM ('7h15'; value dropped)",
        "slo.csv:7: : 2 fields where the header has 9 ('' ; row skipped)".replace(" ;", ";"),
        "slo.csv:8: case_number: no case number (''; row skipped)",
    ]


# --- generic mapping -----------------------------------------------------------------------------------------------

_MAPPING = {
    "name": "springfield",
    "zone": "America/Chicago",
    "columns": {
        "external_id": "Incident No",
        "date": "Call Date",
        "received": "Received",
        "dispatched": "Dispatched",
        "on_scene": "Arrived",
        "call_type_code": "Nature",
        "source": "How",
        "address": "Address",
        "lat": "Lat",
        "lon": "Lon",
        "units": "Units",
    },
    "time_formats": ["%H:%M:%S"],
    "date_formats": ["%m/%d/%Y"],
    "city": "Springfield",
    "state": "IL",
    "call_types": {"459": "BURGLARY"},
    "sources": {"9-1-1": "911"},
    "extra_columns": ["District"],
}
_CSV = (
    "Incident No,Call Date,Received,Dispatched,Arrived,Nature,How,Address,Lat,Lon,Units,District\n"
    "S-1,03/01/2026,23:58:10,00:03:00,00:11:30,459,9-1-1,100 MAIN ST,39.80,-89.64,A1; A2,North\n"
    "S-2,07/04/2026,12:00:00,NULL,,415,Walk-in,5TH & ADAMS,,,,\n"
    "S-3,07/04/2026,noon,,,415,,,,,,\n"
)


def test_generic_mapping_reads_another_layout(tmp_path: Path):
    mapping_path = tmp_path / "springfield.json"
    mapping_path.write_text(json.dumps({**_MAPPING, "unit_separator": ";"}))
    csv_path = tmp_path / "export.csv"
    csv_path.write_text(_CSV)
    cad = CadFile(csv_path, mapping=mapping_path)
    rows = list(cad)
    assert cad.layout == "springfield" and [r.external_id for r in rows] == ["S-1", "S-2"]
    one, two = rows
    # 23:58:10 CST (UTC-6) on 03/01, dispatched 00:03 the next day.
    assert one.received == _utc(2026, 3, 2, 5, 58, 10)
    assert one.dispatched == _utc(2026, 3, 2, 6, 3)
    assert one.on_scene == _utc(2026, 3, 2, 6, 11, 30)
    assert (one.apco, one.source, one.units, one.city, one.extra) == (
        "BURGLARY",
        "911",
        ("A1", "A2"),
        "Springfield",
        {"District": "North"},
    )
    assert (one.lat, one.lon) == (39.80, -89.64)
    assert two.received == _utc(2026, 7, 4, 17)  # CDT, UTC-5
    assert two.dispatched is None and two.source == "other"
    assert [str(p) for p in cad.problems] == [
        "export.csv:4: Received: not a time in ['%H:%M:%S'] ('noon'; row skipped)"
    ]
    doc = one.to_document()
    assert doc.call_type is not None and doc.call_type.apco == "BURGLARY"
    assert [u.unit_id for u in doc.units] == ["A1", "A2"] and doc.units[0].primary


def test_generic_mapping_yaml_and_detection(tmp_path: Path):
    yaml_path = tmp_path / "springfield.yaml"
    yaml_path.write_text(
        "name: springfield\nzone: America/Chicago\ncolumns:\n  external_id: Incident No\n  received: Received\n"
    )
    csv_path = tmp_path / "export.csv"
    csv_path.write_text("Incident No,Received\nS-9,2026-03-01T10:00:00-06:00\n")
    rows = list(CadFile(csv_path, mapping=yaml_path))
    assert rows[0].received == _utc(2026, 3, 1, 16)  # the text's own offset wins
    assert (
        detect_layout(
            ["Incident No", "Received"],
            [
                parse_mapping(
                    json.loads(
                        json.dumps(
                            _MAPPING
                            | {"columns": {"external_id": "Incident No", "received": "Received"}, "extra_columns": []}
                        )
                    )
                )
            ],
        )
        == "springfield"
    )


def test_bad_mapping_names_the_key(tmp_path: Path):
    with pytest.raises(CadLayoutError) as err:
        parse_mapping({**_MAPPING, "zone": "Mars/Olympus"}, name="m.json")
    assert err.value.detail.startswith("m.json: zone: Value error, unknown time zone 'Mars/Olympus'")
    with pytest.raises(CadLayoutError, match=r"m.json: columns.recieved: Extra inputs are not permitted"):
        parse_mapping({**_MAPPING, "columns": {**_MAPPING["columns"], "recieved": "x"}}, name="m.json")
    path = tmp_path / "export.csv"
    path.write_text("Incident No,Received\n")
    with pytest.raises(
        CadLayoutError, match=r"export.csv: Call Date: required column missing for layout 'springfield'"
    ):
        CadFile(path, mapping=parse_mapping(_MAPPING))


# --- time zone and projection kernels --------------------------------------------------------------------------------


def test_local_clock_repeated_hour():
    clock = LocalClock("America/New_York")
    naive = datetime(2025, 11, 2, 1, 30)  # happens twice: 05:30Z (EDT) then 06:30Z (EST)
    assert clock.to_utc(naive) == _utc(2025, 11, 2, 5, 30)
    assert clock.to_utc(naive, not_before=_utc(2025, 11, 2, 5, 40)) == _utc(2025, 11, 2, 6, 30)
    assert clock.iso_to_utc("2025-11-02 01:30:00.000") == _utc(2025, 11, 2, 5, 30)
    assert clock.iso_to_utc("2025-11-02 01:30:00.000", _utc(2025, 11, 2, 5, 40)) == _utc(2025, 11, 2, 6, 30)
    assert clock.iso_to_utc("2025-07-01 12:00:00") == _utc(2025, 7, 1, 16)
    assert clock.iso_to_utc("2025-07-01 12:00:00Z") == _utc(2025, 7, 1, 12)
    with pytest.raises(ValueError):
        clock.iso_to_utc("2025-07-01 12:00:00+0x:00")
    with pytest.raises(ValueError, match="unknown time zone"):
        LocalClock("Nowhere/Town")
    assert clock.to_utc(datetime(2025, 3, 9, 2, 30)) - clock.to_utc(datetime(2025, 3, 9, 1, 30)) == timedelta(hours=1)


def test_lambert_conic_against_epsg_worked_example():
    # EPSG Guidance Note 7-2, Lambert Conic Conformal (2SP): NAD27 / Texas South Central (Clarke 1866).
    texas = LambertConic(
        a=6_378_206.4,
        inv_f=294.9786982,
        lat_origin=27 + 50 / 60,
        lon_origin=-99.0,
        lat_1=28 + 23 / 60,
        lat_2=30 + 17 / 60,
        false_easting=2_000_000.0,
        false_northing=0.0,
        unit_m=US_FOOT,
    )
    assert texas.forward(28.5, -96.0) == pytest.approx((2_963_503.91, 254_759.80), abs=0.01)
    assert texas.inverse(2_963_503.91, 254_759.80) == pytest.approx((28.5, -96.0), abs=1e-8)
    lat, lon = CA_ZONE_2_FTUS.inverse(*CA_ZONE_2_FTUS.forward(38.58, -121.49))
    assert (lat, lon) == pytest.approx((38.58, -121.49), abs=1e-9)
    assert CA_ZONE_2_FTUS.inverse_checked(1, 1) is None


def test_unreadable_files_are_whole_file_errors(tmp_path: Path):
    with pytest.raises(CadLayoutError, match=r"^missing.csv: cannot read the header"):
        CadFile(tmp_path / "missing.csv")
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    with pytest.raises(CadLayoutError, match=r"^empty.csv: no header line"):
        CadFile(empty)
    other = tmp_path / "other.csv"
    other.write_text("a,b\n1,2\n")
    with pytest.raises(CadLayoutError, match=r"^other.csv: unknown layout 'nope'"):
        CadFile(other, layout="nope")
