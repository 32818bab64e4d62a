"""Lambert Conformal Conic (two standard parallels) projection, forward and inverse, for the US State Plane
coordinates some CAD exports carry instead of latitude/longitude (Sacramento's X/Y are NAD83 / California zone 2 in US
survey feet, EPSG:2226).

The formulas are those of EPSG Guidance Note 7-2 ("Lambert Conic Conformal (2SP)", method 9802); the unit test checks
them against the note's worked example (NAD27 / Texas South Central). NAD83 is taken as WGS84: they differ by about a
metre in California, well inside a block-level CAD address. Pure math, no projection library.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Final

#: One US survey foot in metres.
US_FOOT: Final = 1200.0 / 3937.0


@dataclass(frozen=True, slots=True)
class LambertConic:
    """One LCC 2SP projection: ellipsoid (``a`` metres, inverse flattening), origin, standard parallels (degrees),
    false easting/northing and the linear unit of the coordinates (metres per unit)."""

    a: float
    inv_f: float
    lat_origin: float
    lon_origin: float
    lat_1: float
    lat_2: float
    false_easting: float
    false_northing: float
    unit_m: float = 1.0
    #: Where the zone is used, (lat_min, lat_max, lon_min, lon_max) with a margin: a point outside is a bad coordinate.
    bounds: tuple[float, float, float, float] = (-90.0, 90.0, -180.0, 180.0)
    _k: tuple[float, float, float, float] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_k", self._consts())

    def _consts(self) -> tuple[float, float, float, float]:
        f = 1.0 / self.inv_f
        e = math.sqrt(2 * f - f * f)
        p1, p2, pf = (math.radians(x) for x in (self.lat_1, self.lat_2, self.lat_origin))
        m1, m2 = _m(p1, e), _m(p2, e)
        t1, t2, tf = _t(p1, e), _t(p2, e), _t(pf, e)
        n = (math.log(m1) - math.log(m2)) / (math.log(t1) - math.log(t2))
        big_f = m1 / (n * t1**n)
        a = self.a / self.unit_m
        return e, n, a * big_f, a * big_f * tf**n

    def forward(self, lat: float, lon: float) -> tuple[float, float]:
        """(easting, northing) in the projection's unit of a latitude/longitude in degrees."""
        e, n, a_f, r_f = self._k
        r = a_f * _t(math.radians(lat), e) ** n
        theta = n * math.radians(lon - self.lon_origin)
        return self.false_easting + r * math.sin(theta), self.false_northing + r_f - r * math.cos(theta)

    def inverse(self, easting: float, northing: float) -> tuple[float, float]:
        """(lat, lon) in degrees of projected coordinates."""
        e, n, a_f, r_f = self._k
        dx = easting - self.false_easting
        dy = r_f - (northing - self.false_northing)
        r = math.copysign(math.hypot(dx, dy), n)
        theta = math.atan2(dx, dy) if n > 0 else math.atan2(-dx, -dy)
        t = (r / a_f) ** (1.0 / n)
        lat = math.pi / 2 - 2 * math.atan(t)
        for _ in range(10):  # converges to 1e-12 rad in 4-5 steps
            s = e * math.sin(lat)
            nxt = math.pi / 2 - 2 * math.atan(t * ((1 - s) / (1 + s)) ** (e / 2))
            if abs(nxt - lat) < 1e-12:
                lat = nxt
                break
            lat = nxt
        return math.degrees(lat), math.degrees(theta / n) + self.lon_origin

    def inverse_checked(self, easting: float, northing: float) -> tuple[float, float] | None:
        """``inverse``, or None when the point falls outside the zone's ``bounds`` (a zero or garbled X/Y)."""
        lat, lon = self.inverse(easting, northing)
        lat_min, lat_max, lon_min, lon_max = self.bounds
        if lat_min <= lat <= lat_max and lon_min <= lon <= lon_max:
            return lat, lon
        return None


def _m(phi: float, e: float) -> float:
    return math.cos(phi) / math.sqrt(1 - (e * math.sin(phi)) ** 2)


def _t(phi: float, e: float) -> float:
    s = e * math.sin(phi)
    return float(math.tan(math.pi / 4 - phi / 2) / ((1 - s) / (1 + s)) ** (e / 2))


GRS80_A: Final = 6_378_137.0
GRS80_INV_F: Final = 298.257222101

#: EPSG:2226, NAD83 / California zone 2 (ftUS): Sacramento's CAD X/Y.
CA_ZONE_2_FTUS: Final = LambertConic(
    a=GRS80_A,
    inv_f=GRS80_INV_F,
    lat_origin=37 + 40 / 60,
    lon_origin=-122.0,
    lat_1=39 + 50 / 60,
    lat_2=38 + 20 / 60,
    false_easting=2_000_000.0 / US_FOOT,
    false_northing=500_000.0 / US_FOOT,
    unit_m=US_FOOT,
    bounds=(37.5, 40.5, -124.5, -119.0),
)
#: EPSG:2229, NAD83 / California zone 5 (ftUS): Los Angeles County's State Plane zone.
CA_ZONE_5_FTUS: Final = LambertConic(
    a=GRS80_A,
    inv_f=GRS80_INV_F,
    lat_origin=33.5,
    lon_origin=-118.0,
    lat_1=35 + 28 / 60,
    lat_2=34 + 2 / 60,
    false_easting=2_000_000.0 / US_FOOT,
    false_northing=500_000.0 / US_FOOT,
    unit_m=US_FOOT,
    bounds=(32.5, 36.0, -121.5, -114.0),
)
#: Projections a column mapping may name for its X/Y columns.
PROJECTIONS: Final = {"EPSG:2226": CA_ZONE_2_FTUS, "EPSG:2229": CA_ZONE_5_FTUS}
