"""Hotlist file parsers: CSV, NCIC fixed width and CA DOJ CLEW, on the published samples and our own fixtures."""

from __future__ import annotations

import csv
import json
import logging
from datetime import UTC, date, datetime, time, timedelta, timezone
from pathlib import Path

import pytest

from rtcc.core.errors import ImportFailed
from rtcc.hotlists import logic
from rtcc.hotlists.logic import Category
from rtcc.hotlists.parsers import (
    MAX_REPORTED_ERRORS,
    ParsedEntry,
    clew,
    detect_format,
    ncic,
    parse_bytes,
    parse_file,
    sniff_format,
)

REPO = Path(__file__).resolve().parents[3]
FIXTURES = REPO / "tests" / "fixtures" / "hotlists"
SHARED = REPO.parent / "shared" / "data" / "hotlist_formats"
NCIC_EXAMPLE = "V123456789LA057020020190509AB123456  CA2009MC2009YAMACYLMCBLK"


def shared_file(name: str) -> Path:
    path = SHARED / name
    if not path.exists():
        pytest.skip(f"shared data file {name} not present")
    return path


def import_error(data: bytes, fmt: str, name: str) -> ImportFailed:
    with pytest.raises(ImportFailed) as info:
        parse_bytes(data, fmt, name)
    return info.value


def assert_line_error(err: ImportFailed, name: str, line: int, fragment: str) -> None:
    assert err.detail.startswith(f"{name}:{line}: "), err.detail
    assert fragment in err.detail, err.detail
    assert err.errors[0]["loc"] == ["line", line]
    assert fragment in err.errors[0]["msg"]


# --------------------------------------------------------------------------------------------------- logic


def test_category_values_fit_the_column_and_cover_the_issue_list() -> None:
    required = {"stolen_vehicle", "stolen_plate", "wanted_person", "amber_alert", "silver_alert", "bolo", "custom"}
    assert required <= {c.value for c in Category}
    assert all(len(c.value) <= 32 for c in Category)


def test_list_code_table_covers_every_documented_ncic_and_clew_code() -> None:
    records = json.loads(shared_file("hotlist_parsers_examples_and_list_codes.json").read_text())
    by_key = {r["parser_key"]: r for r in records}
    ncic_codes = {lst["parse_code"] for lst in by_key["ncic"]["default_lists"]}
    assert ncic_codes == set(logic.LIST_CODE_CATEGORIES["ncic"]) == set(logic.LIST_CODE_NAMES["ncic"])
    for lst in by_key["ncic"]["default_lists"]:
        assert logic.LIST_CODE_NAMES["ncic"][lst["parse_code"]] == lst["name"]
    clew_codes = {lst["parse_code"].removesuffix(".tbl") for lst in by_key["ca_doj_clew"]["default_lists"]}
    assert clew_codes == set(logic.LIST_CODE_CATEGORIES["clew"])
    assert logic.category_for_list_code("ncic", "A") is Category.amber_alert
    assert logic.category_for_list_code("clew", "slr") is Category.stolen_plate
    assert logic.category_for_list_code("ncic", "Z") is None
    assert logic.category_for_list_code("nope", "V") is None


def test_field_limits_mirror_the_entry_columns() -> None:
    from sqlalchemy import String

    from rtcc.hotlists.models import HotlistEntry

    for name, limit in logic.FIELD_LIMITS.items():
        column_type = HotlistEntry.__table__.c[name].type
        assert isinstance(column_type, String) and column_type.length == limit, name


@pytest.mark.parametrize(
    ("text", "expected"),
    [("stolen_vehicle", "stolen_vehicle"), ("Stolen Vehicle", "stolen_vehicle"), (" AMBER-alert ", "amber_alert")],
)
def test_parse_category_is_lenient_about_case_and_separators(text: str, expected: str) -> None:
    assert logic.parse_category(text) == expected


def test_parse_category_rejects_unknown() -> None:
    with pytest.raises(ValueError, match="unknown category 'stolen bike'"):
        logic.parse_category("stolen bike")


@pytest.mark.parametrize(("text", "expected"), [("ca", "CA"), ("US-TX", "TX"), ("ca-on", "ON"), (" NV ", "NV")])
def test_normalise_region(text: str, expected: str) -> None:
    assert logic.normalise_region(text) == expected


@pytest.mark.parametrize("text", ["C", "CALIF", "C4", "us-", "de-by"])
def test_normalise_region_rejects_malformed(text: str) -> None:
    with pytest.raises(ValueError):
        logic.normalise_region(text)


def test_is_expired() -> None:
    now = datetime(2024, 5, 1, 12, tzinfo=UTC)
    assert not logic.is_expired(None, now)
    assert not logic.is_expired(now + timedelta(seconds=1), now)
    assert not logic.is_expired(now, now)
    assert logic.is_expired(now - timedelta(seconds=1), now)
    # Aware datetimes in other zones compare by instant.
    pacific = timezone(timedelta(hours=-8))
    assert logic.is_expired(datetime(2024, 5, 1, 3, 59, tzinfo=pacific), now)
    assert not logic.is_expired(datetime(2024, 5, 1, 4, 1, tzinfo=pacific), now)
    with pytest.raises(ValueError):
        logic.is_expired(datetime(2024, 1, 1), now)


# --------------------------------------------------------------------------------------------------- CSV


def test_csv_good_fixture() -> None:
    entries = parse_file(FIXTURES / "hotlist_good.csv", "csv")
    assert [e.line for e in entries] == [2, 4, 5, 7]
    first, second, third, fourth = entries
    assert first == ParsedEntry(
        line=2,
        plate="7ABC123",
        plate_norm="7ABC123",
        region="CA",
        category="stolen_vehicle",
        reason="Stolen from driveway",
        case_number="24-001234",
        expires_at=datetime.combine(date(2030, 6, 1), time.max, tzinfo=UTC),
        vehicle_make="Toyota",
        vehicle_model="Camry",
        vehicle_color="Silver",
        vehicle_type="Sedan",
        vehicle_year=2019,
        extra={"officer": "Deputy Ruiz"},
    )
    assert (second.plate, second.plate_norm, second.region) == ("8xyz-987", "8XYZ987", "TX")
    assert second.category == Category.amber_alert
    assert second.reason == "Child abduction, suspect vehicle"
    assert second.expires_at == datetime(2030, 1, 2, 16, 30, tzinfo=UTC)
    assert second.expires_at is not None and second.expires_at.utcoffset() == timedelta(0)
    assert second.extra == {}
    assert third.plate_norm == "ABC12"
    assert (third.region, third.category, third.expires_at, third.vehicle_year) == (None, None, None, None)
    assert (fourth.region, fourth.category) == ("ON", "bolo")
    assert fourth.reason == 'Quoted "nickname" in reason'
    assert fourth.expires_at == datetime(2030, 3, 4, 12, tzinfo=UTC)


def test_csv_bad_fixture_names_every_bad_line() -> None:
    path = FIXTURES / "hotlist_bad.csv"
    with pytest.raises(ImportFailed) as info:
        parse_file(path, "csv")
    err = info.value
    assert_line_error(err, "hotlist_bad.csv", 3, "unknown category 'stolen_bike'")
    assert err.errors[1] == {"loc": ["line", 4], "field": "4", "msg": "plate is empty", "type": "value_error"}
    assert len(err.errors) == 2
    assert err.status == 422


def test_csv_bom_crlf_and_case_insensitive_header() -> None:
    data = "\ufeffPlate,STATE,Category\r\n7ABC123,ca,Stolen Plate\r\n\r\n".encode()
    [entry] = parse_bytes(data, "csv", "upload.csv")
    assert (entry.line, entry.plate, entry.region, entry.category) == (2, "7ABC123", "CA", "stolen_plate")


def test_csv_header_only_is_an_empty_list() -> None:
    assert parse_bytes(b"plate,state\n", "csv", "empty.csv") == []


@pytest.mark.parametrize("data", [b"", b"\xef\xbb\xbf", b"\n\n  \n"])
def test_csv_empty_file_is_rejected(data: bytes) -> None:
    assert_line_error(import_error(data, "csv", "e.csv"), "e.csv", 1, "the file is empty")


@pytest.mark.parametrize(
    ("data", "line", "fragment"),
    [
        (b"state,reason\nCA,x\n", 1, "no 'plate' column"),
        (b"plate,Plate\nA1,A1\n", 1, "'Plate' appears twice"),
        (b"plate,,reason\nA1,,x\n", 1, "column 2 of the header has no name"),
        (b"\n\nplate\n\n  X\n", 5, "plate has 1 letters or digits; a plate needs 2 to 10"),
        (b"plate\nABCDEFGHIJK\n", 2, "plate has 11 letters or digits"),
        (b"plate,state\nABC123,California\n", 2, "state 'California' is not a 2- or 3-letter"),
        (b"plate,expires_at\nABC123,2024-02-30\n", 2, "expires_at '2024-02-30' is not a valid date"),
        (b"plate,expires_at\nABC123,2024-02-01T10:00\n", 2, "has no timezone"),
        (b"plate,expires_at\nABC123,next tuesday\n", 2, "is not an ISO 8601 date-time"),
        (b"plate,year\nABC123,19\n", 2, "year '19' is not a four-digit year"),
        (b"plate,reason\nABC123,x,y\n", 2, "row has 3 fields but the header names 2"),
        (b"plate,reason\nABC123," + b"r" * 256 + b"\n", 2, "reason is longer than 255 characters"),
        (b"plate,color\nABC123," + b"c" * 25 + b"\n", 2, "color is longer than 24 characters"),
        (b'plate,reason\nA1,ok\nB2,"open quote\nC3,x\n', 3, "malformed CSV"),
        (b"plate\nABC123\n\xff\n", 3, "byte 0xFF is not valid UTF-8"),
    ],
)
def test_csv_bad_lines(data: bytes, line: int, fragment: str) -> None:
    assert_line_error(import_error(data, "csv", "list.csv"), "list.csv", line, fragment)


def test_csv_quoted_multiline_row_reports_its_first_line() -> None:
    data = b'plate,reason\nA1B2,"two\nlines"\n,"again\ntwo"\n'
    err = import_error(data, "csv", "m.csv")
    assert_line_error(err, "m.csv", 4, "plate is empty")
    assert [e.line for e in parse_bytes(data.rsplit(b"\n,", 1)[0] + b"\n", "csv", "m.csv")] == [2]


def test_csv_short_rows_read_missing_cells_as_empty() -> None:
    [entry] = parse_bytes(b"plate,state,reason\nABC123\n", "csv", "s.csv")
    assert (entry.region, entry.reason) == (None, None)


def test_csv_error_list_is_capped() -> None:
    data = b"plate\n" + b"X\n" * (MAX_REPORTED_ERRORS + 50)
    err = import_error(data, "csv", "many.csv")
    assert len(err.errors) == MAX_REPORTED_ERRORS
    assert err.detail.startswith("many.csv:2: ")


@pytest.mark.parametrize(
    ("fmt", "head", "bad", "tail"),
    [
        ("ncic", b"HEADER\n", b"V123\n", b""),
        ("clew", b"DATE01/15/2024 06:00\n", b"ABC1234 CA12201905XX\n", b"TOTAL RECORD 1\n"),
    ],
)
def test_fixed_width_error_list_is_capped(fmt: str, head: bytes, bad: bytes, tail: bytes) -> None:
    err = import_error(head + bad * (MAX_REPORTED_ERRORS + 5) + tail, fmt, "many.txt")
    assert len(err.errors) == MAX_REPORTED_ERRORS
    assert err.errors[-1]["loc"] == ["line", MAX_REPORTED_ERRORS + 1]


def test_csv_never_returns_part_of_a_file() -> None:
    """One bad row at the very end fails the whole file: nothing parsed before it is returned."""
    rows = [f"P{i:05d}" for i in range(2000)] + [""]
    data = ("plate,category\n" + "\n".join(f"{p},bolo" for p in rows[:-1]) + "\nLAST1,nonsense\n").encode()
    err = import_error(data, "csv", "big.csv")
    assert_line_error(err, "big.csv", 2002, "unknown category")


# --------------------------------------------------------------------------------------------------- NCIC


def test_ncic_documented_example_line() -> None:
    [entry] = parse_bytes(f"HEADER\n{NCIC_EXAMPLE}\n".encode(), "ncic", "extract.txt")
    assert entry.line == 2
    assert (entry.plate, entry.plate_norm, entry.region) == ("AB123456", "AB123456", "CA")
    assert entry.category == Category.stolen_vehicle
    assert entry.reason == "NCIC Stolen Vehicle"
    assert entry.case_number == "V123456789"
    assert (entry.vehicle_year, entry.vehicle_make, entry.vehicle_model) == (2009, "YAMA", "CYL")
    assert (entry.vehicle_color, entry.vehicle_type) == ("Black", "Motorcycle")
    assert entry.extra == {
        "list_code": "V",
        "incident_date": "2019-05-09",
        "ori": "LA0570200",
        "plate_year": 2009,
        "plate_type_code": "MC",
        "make_code": "YAMA",
        "vehicle_style_code": "MC",
        "color_code": "BLK",
    }


@pytest.mark.parametrize("key", ["ncic", "nc_state", "pa_psp"])
def test_ncic_shared_examples(key: str) -> None:
    """The vendor example lines of the parsers sharing the plain NCIC layout give the documented plate and state."""
    with shared_file("hotlist_example_lines.tsv").open(newline="") as handle:
        rows = {r["parser_key"]: r for r in csv.DictReader(handle, delimiter="\t")}
    row = rows[key]
    [entry] = parse_bytes(f"HEADER\n{row['example_line']}\n".encode(), "ncic", f"{key}.txt")
    assert entry.plate_norm == row["expected_plate"]
    assert entry.region == row["expected_state"]
    codes = {pair.split("=")[0] for pair in row["default_list_codes"].split("|")}
    assert codes == set(logic.LIST_CODE_CATEGORIES["ncic"])


def test_ncic_other_state_variants_are_rejected_with_a_reason() -> None:
    """The WA variant has its list code in column 3, not 1: it is not this layout and must not import silently."""
    err = import_error(b"HEADER\n21V0128839WAKCS000020211006BN0W111   WA2022PC\n", "ncic", "wa.txt")
    assert_line_error(err, "wa.txt", 2, "unknown NCIC list code '2' in column 1")


def test_ncic_fixture_extract() -> None:
    entries = parse_file(FIXTURES / "ncic_extract.txt", "ncic")
    assert [e.line for e in entries] == [2, 3, 4, 6, 7]
    by_plate = {e.plate_norm: e for e in entries}
    plate_only = by_plate["5KLM204"]
    assert (plate_only.category, plate_only.region) == ("stolen_plate", "OH")
    assert plate_only.extra["plate_year"] == "NX"
    assert (plate_only.vehicle_make, plate_only.vehicle_color, plate_only.vehicle_year) == (None, None, None)
    assert plate_only.vehicle_type == "Passenger Car"
    amber = by_plate["8XYZ987"]
    assert (amber.category, amber.vehicle_make, amber.vehicle_color) == ("amber_alert", "Ford", "Blue/White")
    felony = by_plate["4DEF567"]
    assert (felony.plate, felony.category, felony.vehicle_type) == ("4DEF-567", "felony_vehicle", "Truck")
    canadian = by_plate["CNDA123"]
    assert (canadian.category, canadian.region, canadian.vehicle_color) == ("stolen_vehicle", "ON", "Gray")
    assert canadian.reason == "NCIC Stolen Canadian Vehicle"


def test_ncic_bad_fixture_names_the_lines() -> None:
    with pytest.raises(ImportFailed) as info:
        parse_file(FIXTURES / "ncic_bad.txt", "ncic")
    err = info.value
    assert_line_error(err, "ncic_bad.txt", 4, "line is 31 characters long; an NCIC record needs at least 39")
    assert err.errors[1]["loc"] == ["line", 5]
    assert "incident date '20191345'" in err.errors[1]["msg"]


def _with(field: slice, value: str) -> str:
    line = NCIC_EXAMPLE
    return line[: field.start] + value + line[field.stop :]


@pytest.mark.parametrize(
    ("line", "fragment"),
    [
        (_with(slice(27, 37), " " * 10), "plate is empty"),
        (_with(slice(27, 37), "X" + " " * 9), "plate has 1 letters or digits"),
        (_with(slice(37, 39), "C1"), "plate state 'C1' (columns 38-39) is not a two-letter code"),
        (_with(slice(39, 43), "20X9"), "plate year '20X9'"),
        (_with(slice(45, 49), "O9  "), "vehicle year 'O9'"),
        (NCIC_EXAMPLE[:58] + "BLACK", "colour 'BLACK'"),
        (NCIC_EXAMPLE + "/WHI" + " MISSING PERSON", "an NCIC record has at most 65"),
    ],
)
def test_ncic_bad_records(line: str, fragment: str) -> None:
    err = import_error(f"HEADER\n{NCIC_EXAMPLE}\n{line}\n".encode(), "ncic", "x.txt")
    assert_line_error(err, "x.txt", 3, fragment)


def test_ncic_header_is_optional_and_blank_fields_are_none() -> None:
    short = NCIC_EXAMPLE[:39]
    entries = parse_bytes(f"\n{NCIC_EXAMPLE}\r\n{short}   \r\n".encode(), "ncic", "x.txt")
    assert [e.line for e in entries] == [2, 3]
    assert entries[1].vehicle_make is None and entries[1].vehicle_year is None
    assert "plate_year" not in entries[1].extra


def test_ncic_full_width_plate_and_headerless_first_line_with_zero_state() -> None:
    first = _with(slice(27, 39), "ABCDE12345" + "0K")
    entries = parse_bytes(f"{first}\n{NCIC_EXAMPLE}\n".encode(), "ncic", "x.txt")
    assert [(e.line, e.plate, e.region) for e in entries] == [(1, "ABCDE12345", "OK"), (2, "AB123456", "CA")]


def test_ncic_header_only_is_empty_and_empty_file_fails() -> None:
    assert parse_bytes(b"NCIC EXTRACT\n", "ncic", "x.txt") == []
    assert_line_error(import_error(b"\xef\xbb\xbf\n", "ncic", "x.txt"), "x.txt", 1, "the file is empty")


def test_ncic_long_decoded_values_fall_back_to_codes() -> None:
    line = _with(slice(43, 45), "NP")[:58] + "AME/LAV"
    [entry] = parse_bytes(f"H\n{line}\n".encode(), "ncic", "x.txt")
    assert entry.vehicle_type == "NP"  # "Non-Passenger Civilian Aircraft" does not fit 24 characters
    assert entry.vehicle_color == "AME/LAV"  # "Amethyst Purple/Lavender Purple" neither


def test_ncic_code_tables_match_the_shared_source() -> None:
    source = json.loads(shared_file("ncic_vehicle_codes_colors_makes_types.json").read_text())["ncic"]
    assert ncic.code_tables() == {k: source[k] for k in ("colors", "makes", "types")}


def test_ncic_decode() -> None:
    assert ncic.decode("colors", "SIL") == "Silver"
    assert ncic.decode("types", "OB") == "Omnibus"  # table writes 0B: NCIC's digit-zero-for-O
    assert ncic.decode("makes", "ZZZZ") == "ZZZZ"


# --------------------------------------------------------------------------------------------------- CLEW


def test_clew_real_sample_is_refused_for_its_trailer_count_unless_forced(caplog: pytest.LogCaptureFixture) -> None:
    # The published sample holds 2 records but its trailer says 72: refused naming the trailer's line...
    path = shared_file("sample_ca_doj_clew_sfr.tbl")
    with pytest.raises(ImportFailed) as refused:
        parse_file(path, detect_format(path))
    assert refused.value.detail.startswith(
        "sample_ca_doj_clew_sfr.tbl:4: the trailer says 72 records but the file holds 2"
    )
    reason = refused.value.detail.split(":4: ", 1)[1]
    assert refused.value.errors == [{"loc": ["line", 4], "field": "4", "msg": reason, "type": "value_error"}]
    # ... and read whole, with a warning, when the operator forces it.
    with caplog.at_level(logging.WARNING, logger="rtcc.hotlists.parsers.clew"):
        entries = parse_file(path, detect_format(path), force=True)
    assert [(e.line, e.plate_norm, e.region) for e in entries] == [(2, "ABC123", "CA"), (3, "XYZ999", "CA")]
    assert all(e.category == Category.felony_vehicle for e in entries)
    assert entries[0].reason == "CA DOJ CLEW Felony Vehicles"
    assert entries[0].extra == {"county_code": "01", "date_of_loss": "2018-06-27", "list_code": "sfr"}
    assert entries[1].extra["date_of_loss"] == "2018-04-30"
    assert "trailer says 72 records but the file holds 2" in caplog.text
    assert clew.extract_time(path.read_bytes(), path.name) == datetime(2018, 7, 2, 16, 0, tzinfo=UTC)


def test_clew_documented_example_line() -> None:
    data = b"DATE05/16/2019 06:00\nABC1234 CA1220190515\nTOTAL RECORD 0000001\n"
    [entry] = parse_bytes(data, "clew", "svs.tbl")
    assert (entry.plate, entry.region, entry.category) == ("ABC1234", "CA", "stolen_vehicle")
    assert entry.extra == {"county_code": "12", "date_of_loss": "2019-05-15", "list_code": "svs"}


def test_clew_fixture_with_crlf_and_mixed_plate_widths() -> None:
    entries = parse_file(FIXTURES / "svs.tbl", "clew")
    assert [(e.line, e.plate, e.region, e.extra["county_code"]) for e in entries] == [
        (2, "ABC1234", "CA", "12"),
        (3, "7ABC123", "CA", "19"),
        (4, "NV9X", "NV", "37"),
    ]
    assert clew.extract_time((FIXTURES / "svs.tbl").read_bytes(), "svs.tbl") == datetime(2024, 1, 15, 14, 0, tzinfo=UTC)


def test_clew_bad_fixture_names_the_lines() -> None:
    with pytest.raises(ImportFailed) as info:
        parse_file(FIXTURES / "slr_bad.tbl", "clew")
    err = info.value
    assert_line_error(err, "slr_bad.tbl", 4, "date of loss '20231301' is not a valid YYYYMMDD date")
    assert err.errors[1] == {"loc": ["line", 5], "field": "5", "msg": "plate is empty", "type": "value_error"}


@pytest.mark.parametrize(
    ("name", "code"),
    [("svs.tbl", "svs"), ("SFR.TBL", "sfr"), ("ca_doj_slr_20240101.tbl", "slr"), ("svsx.tbl", None), ("a.tbl", None)],
)
def test_clew_list_from_file_name(name: str, code: str | None) -> None:
    assert clew.list_code(name) == code


def test_clew_unknown_file_name_leaves_category_to_the_hotlist() -> None:
    [entry] = parse_bytes(b"DATE01/01/2024 00:00\nAB12 CA0120231231\nTOTAL RECORD 1\n", "clew", "local.tbl")
    assert (entry.category, entry.reason) == (None, None)
    assert "list_code" not in entry.extra


HEADER = b"DATE01/15/2024 06:00\n"
GOOD = b"ABC1234 CA1220190515\n"
TRAILER = b"TOTAL RECORD 0000001\n"


@pytest.mark.parametrize(
    ("data", "line", "fragment"),
    [
        (b"", 1, "the file is empty"),
        (GOOD + TRAILER, 1, "not a CLEW header"),
        (b"DATE13/45/2024 06:00\n" + GOOD + TRAILER, 1, "not a CLEW header"),
        (HEADER + GOOD, 2, "without its 'TOTAL RECORD' trailer"),
        (HEADER + GOOD + b"TOTAL RECORD lots\n", 3, "trailer is not 'TOTAL RECORD' followed by a count"),
        (HEADER + GOOD + TRAILER + b"\nABC1235 CA1220190515\n", 5, "text after the 'TOTAL RECORD' trailer"),
        (HEADER + b"ABC12345X CA1220190515\n" + TRAILER, 2, "line is 22 characters long; a CLEW record has 13 to 20"),
        (HEADER + b"CA1220190515\n" + TRAILER, 2, "line is 12 characters long"),
        (HEADER + b"ABC1234 C11220190515\n" + TRAILER, 2, "state 'C1' is not a two-letter code"),
        (HEADER + b"ABC1234 CAXX20190515\n" + TRAILER, 2, "county code 'XX' is not two digits"),
        (HEADER + b"ABC1234 CA122019051A\n" + TRAILER, 2, "date of loss '2019051A'"),
        (HEADER + b"A       CA1220190515\n" + TRAILER, 2, "plate has 1 letters or digits"),
    ],
)
def test_clew_bad_files(data: bytes, line: int, fragment: str) -> None:
    assert_line_error(import_error(data, "clew", "stolen.tbl"), "stolen.tbl", line, fragment)


@pytest.mark.parametrize("declared", [b"0000000", b"0000002", b"2", b"0000072"])
def test_clew_trailer_count_must_equal_the_records(declared: bytes) -> None:
    data = HEADER + GOOD + b"TOTAL RECORD " + declared + b"\n"
    assert_line_error(import_error(data, "clew", "svs.tbl"), "svs.tbl", 3, f"the trailer says {int(declared)} records")
    assert len(parse_bytes(data, "clew", "svs.tbl", force=True)) == 1


def test_clew_fixtures_trailers_agree_with_their_records() -> None:
    assert len(parse_file(FIXTURES / "svs.tbl", "clew")) == 3
    data = (FIXTURES / "svs.tbl").read_bytes().replace(b"TOTAL RECORD 0000003", b"TOTAL RECORD 0000004")
    assert_line_error(import_error(data, "clew", "svs.tbl"), "svs.tbl", 6, "the trailer says 4 records but the file")


def test_clew_header_and_trailer_only_is_empty() -> None:
    assert parse_bytes(HEADER + b"TOTAL RECORD 0000000\n", "clew", "svs.tbl") == []


# --------------------------------------------------------------------------------------------------- dispatch


def test_detect_format(tmp_path: Path) -> None:
    cases = {
        "list.CSV": b"anything",
        "svs.tbl": b"anything",
        "extract.txt": f"NCIC HEADER\n{NCIC_EXAMPLE}\n".encode(),
        "clew.dat": HEADER + GOOD + TRAILER,
        "mine.txt": b"\xef\xbb\xbfPlate,State\nABC123,CA\n",
    }
    expected = {"list.CSV": "csv", "svs.tbl": "clew", "extract.txt": "ncic", "clew.dat": "clew", "mine.txt": "csv"}
    for name, data in cases.items():
        (tmp_path / name).write_bytes(data)
        assert detect_format(tmp_path / name) == expected[name], name
    (tmp_path / "junk.txt").write_bytes(b"hello world\n")
    with pytest.raises(ImportFailed, match="cannot tell"):
        detect_format(tmp_path / "junk.txt")
    with pytest.raises(ImportFailed, match="empty"):
        sniff_format(b"", "x.dat")
    with pytest.raises(ImportFailed, match="cannot read"):
        detect_format(tmp_path / "missing.txt")


def test_unknown_format_and_unreadable_file(tmp_path: Path) -> None:
    with pytest.raises(ImportFailed, match="unknown hotlist format 'xml'"):
        parse_bytes(b"plate\nABC123\n", "xml", "x.xml")
    with pytest.raises(ImportFailed, match=r"missing\.csv: cannot read the file"):
        parse_file(tmp_path / "missing.csv", "csv")


def test_parse_file_and_parse_bytes_agree() -> None:
    path = FIXTURES / "ncic_extract.txt"
    assert parse_file(path, "ncic") == parse_bytes(path.read_bytes(), "ncic", path.name)
