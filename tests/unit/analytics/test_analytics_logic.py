"""The analytics domain's pure rules: category mapping of LASD, LAPD and dispatch texts, and the public map's
masking (hundred block, square centres)."""

from __future__ import annotations

import math

import pytest

from rtcc.analytics import logic


@pytest.mark.parametrize(
    ("address", "block"),
    [
        ("13127 BRIARWOOD ST, CERRITOS, CA", "13100 block of BRIARWOOD ST"),
        ("  99   W  39TH   PL ", "0 block of W 39TH PL"),
        ("1100 W  39TH                         PL", "1100 block of W 39TH PL"),
        ("ALONDRA BLVD AND CARMENITA RD", "ALONDRA BLVD AND CARMENITA RD"),
        ("CERRITOS TOWNE CENTER", None),
        ("", None),
        (None, None),
    ],
)
def test_hundred_block(address: str | None, block: str | None) -> None:
    assert logic.hundred_block(address) == block


def test_mask_point_is_a_square_centre_and_stable() -> None:
    lat, lon = 33.86712, -118.05431
    mlat, mlon = logic.mask_point(lat, lon)
    assert logic.mask_point(mlat, mlon) == (mlat, mlon)
    # within half a square's diagonal of the true point, never the point itself
    dy = (mlat - lat) * 111_195.0
    dx = (mlon - lon) * 111_195.0 * math.cos(math.radians(lat))
    assert math.hypot(dx, dy) <= logic.MASK_CELL_M / math.sqrt(2) + 1
    # two houses in the same square look the same
    assert logic.mask_point(mlat + 0.0001, mlon + 0.0001) == (mlat, mlon)


def test_categories() -> None:
    assert logic.lasd_category("BURGLARY") == "burglary"
    assert logic.lasd_category("LARCENY THEFT", "THEFT FROM VEHICLE") == "theft_from_vehicle"
    assert logic.lasd_category("FRAUD AND NSF CHECKS") == "other"
    assert logic.lapd_category("BURGLARY FROM VEHICLE") == "theft_from_vehicle"
    assert logic.lapd_category("VEHICLE - STOLEN") == "vehicle_theft"
    assert logic.lapd_category("INTIMATE PARTNER - SIMPLE ASSAULT") == "other"
    assert logic.lapd_category("BATTERY - SIMPLE ASSAULT") == "assault"
    assert logic.lapd_category("THEFT OF IDENTITY") == "other"
    assert logic.call_category("BURGLARY_IP") == "burglary" and logic.call_category("ALARM_BURG_RES") == "other"
