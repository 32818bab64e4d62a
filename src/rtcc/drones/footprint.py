"""The ground footprint of a drone's camera, for the live map: four [lon, lat] corners of what the camera sees.

Flat ground, a pinhole camera with horizontal and vertical fields of view, the camera looking along the drone's
heading and pitched ``pitch_deg`` (-90 straight down). The near and far edges are where the bottom and top rays of the
view meet the ground; a top ray at or above the horizon is cut at ``max_range_m``. Pure: floats in, a ring out.
"""

from __future__ import annotations

import math

EARTH_M_PER_DEG = 111_320.0


def footprint(
    lat: float,
    lon: float,
    *,
    alt_m: float | None,
    heading_deg: float | None,
    pitch_deg: float | None,
    hfov_deg: float = 70.0,
    vfov_deg: float = 50.0,
    max_range_m: float = 500.0,
) -> list[list[float]] | None:
    """A closed GeoJSON ring ([lon, lat] x 5) of the camera's footprint, or None when it sees no ground (no
    altitude or pitch, on the ground, or looking at or above the horizon)."""
    if alt_m is None or pitch_deg is None or alt_m <= 0.5:
        return None
    depression = -pitch_deg
    half_v = vfov_deg / 2
    low = depression + half_v  # the bottom ray, steepest
    high = depression - half_v  # the top ray
    if low <= 0.5:
        return None

    def ground(angle: float) -> float:
        if angle >= 90:
            return -alt_m / math.tan(math.radians(180 - angle)) if angle < 180 else 0.0
        if angle <= 0.5:
            return max_range_m
        return min(max_range_m, alt_m / math.tan(math.radians(angle)))

    near, far = ground(low), ground(high)
    half_h = math.tan(math.radians(hfov_deg / 2))
    w_near = math.hypot(near, alt_m) * half_h
    w_far = math.hypot(far, alt_m) * half_h
    h = math.radians(heading_deg or 0.0)
    fx, fy = math.sin(h), math.cos(h)  # forward (east, north)
    rx, ry = math.cos(h), -math.sin(h)  # right
    m_lon = EARTH_M_PER_DEG * max(0.01, math.cos(math.radians(lat)))

    def corner(fwd: float, right: float) -> list[float]:
        east, north = fwd * fx + right * rx, fwd * fy + right * ry
        return [round(lon + east / m_lon, 7), round(lat + north / EARTH_M_PER_DEG, 7)]

    ring = [corner(near, -w_near), corner(near, w_near), corner(far, w_far), corner(far, -w_far)]
    return [*ring, ring[0]]
