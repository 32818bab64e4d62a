"""The canvass kernel: which cameras could have seen a point, over arrays of camera positions and mountings.

Pure numpy (no rtcc, no SQLAlchemy). ``CameraArrays`` holds every shared camera sorted by latitude; a query first
cuts the latitude band that any camera in range could sit in (``searchsorted``, the coarse prefilter), then a
longitude band, and only then computes exact haversine distances and bearings for the few candidates. A camera sees
the point when the distance is within its range and the bearing from the camera to the point lies inside its
field-of-view cone (|bearing - direction| <= fov/2; a fov of 360 sees all around). Hits are ranked by distance
(rounded to 0.1 m, so co-located cameras tie) and then by angle off the camera's axis.

``nearest`` answers the question an empty canvass raises: which cameras are closest to the point, whether or not
they see it, and why not (out of range, or facing away).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

EARTH_RADIUS_M = 6_371_008.8
M_PER_DEG_LAT = math.pi * EARTH_RADIUS_M / 180.0
#: A point closer than this to the camera counts as seen whatever the direction (the bearing is meaningless).
AT_CAMERA_M = 1.0
#: Tolerance on the cone edge (degrees), so a point exactly on the edge is inside despite rounding.
EDGE_EPS_DEG = 1e-9

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True)
class KernelHit:
    """One camera that sees the point: its row in the arrays given to ``CameraArrays.build``, and the geometry."""

    row: int
    distance_m: float
    bearing_deg: float  # from the camera to the point, clockwise from north
    angle_off_axis_deg: float


@dataclass(frozen=True)
class CameraArrays:
    """Cameras sorted by latitude, with ``order[i]`` the caller's row of sorted position ``i``."""

    lat: FloatArray
    lon: FloatArray
    direction: FloatArray
    fov: FloatArray
    range_m: FloatArray
    order: IntArray
    max_range_m: float

    @classmethod
    def build(
        cls,
        lat: npt.ArrayLike,
        lon: npt.ArrayLike,
        direction: npt.ArrayLike,
        fov: npt.ArrayLike,
        range_m: npt.ArrayLike,
    ) -> CameraArrays:
        """Sort the cameras by latitude once; the query then touches only a narrow band."""
        la = np.asarray(lat, dtype=np.float64)
        arrays = [np.asarray(a, dtype=np.float64) for a in (lon, direction, fov, range_m)]
        if any(a.shape != la.shape for a in arrays) or la.ndim != 1:
            raise ValueError("lat, lon, direction, fov and range_m must be 1-d arrays of one length")
        order = np.argsort(la, kind="stable").astype(np.int64)
        lo, di, fo, ra = (a[order] for a in arrays)
        return cls(
            lat=la[order],
            lon=lo,
            direction=di % 360.0,
            fov=fo,
            range_m=ra,
            order=order,
            max_range_m=float(ra.max()) if len(ra) else 0.0,
        )

    def __len__(self) -> int:
        return int(self.lat.shape[0])

    def candidates(self, lat: float, lon: float) -> IntArray:
        """Sorted positions of the cameras inside the box of the largest range around the point (the prefilter)."""
        if len(self) == 0:
            return np.empty(0, dtype=np.int64)
        reach = self.max_range_m * 1.001 + AT_CAMERA_M
        dlat = reach / M_PER_DEG_LAT
        lo = int(np.searchsorted(self.lat, lat - dlat, side="left"))
        hi = int(np.searchsorted(self.lat, lat + dlat, side="right"))
        if hi <= lo:
            return np.empty(0, dtype=np.int64)
        dlon = reach / (M_PER_DEG_LAT * max(0.01, math.cos(math.radians(abs(lat) + dlat))))
        band = self.lon[lo:hi]
        inside = np.abs(band - lon) <= dlon
        return np.flatnonzero(inside).astype(np.int64) + lo

    def query(self, lat: float, lon: float, *, limit: int | None = None) -> list[KernelHit]:
        """The cameras that see (lat, lon), ranked by distance then angle off-axis."""
        pos = self.candidates(lat, lon)
        if pos.size == 0:
            return []
        clat, clon = self.lat[pos], self.lon[pos]
        dist = haversine_m(clat, clon, lat, lon)
        bearing = bearings_deg(clat, clon, lat, lon)
        off = np.abs((bearing - self.direction[pos] + 180.0) % 360.0 - 180.0)
        at_cam = dist < AT_CAMERA_M
        off = np.where(at_cam, 0.0, off)
        in_cone = (self.fov[pos] >= 360.0) | (off <= self.fov[pos] / 2.0 + EDGE_EPS_DEG) | at_cam
        seen = (dist <= self.range_m[pos]) & in_cone
        idx = np.flatnonzero(seen)
        if idx.size == 0:
            return []
        rank = np.lexsort((off[idx], np.round(dist[idx], 1)))
        if limit is not None:
            rank = rank[:limit]
        chosen = idx[rank]
        return [
            KernelHit(
                row=int(self.order[pos[i]]),
                distance_m=float(dist[i]),
                bearing_deg=float(bearing[i]),
                angle_off_axis_deg=float(off[i]),
            )
            for i in chosen
        ]


@dataclass(frozen=True)
class NearCamera:
    """A camera near the point, seeing it or not: its caller's row, the geometry and what stops it seeing."""

    row: int
    distance_m: float
    bearing_deg: float
    angle_off_axis_deg: float
    range_m: float
    fov_deg: float
    in_range: bool
    in_cone: bool


def nearest_of(arrays: CameraArrays, lat: float, lon: float, *, k: int = 3) -> list[NearCamera]:
    """The ``k`` cameras closest to (lat, lon), nearest first, whether or not they see it (it explains an empty
    canvass). Searched in a box that grows fourfold until the k-th nearest in it is closer than the box's half-width
    (then nothing outside can be nearer), so a city of 100,000 cameras costs a narrow band, not a full scan."""
    n = len(arrays)
    k = min(k, n)
    if k <= 0:
        return []
    reach = max(4.0 * arrays.max_range_m, 500.0)
    while True:
        dlat = reach / M_PER_DEG_LAT
        lo = int(np.searchsorted(arrays.lat, lat - dlat, side="left"))
        hi = int(np.searchsorted(arrays.lat, lat + dlat, side="right"))
        everything = lo == 0 and hi == n
        pos = np.arange(lo, hi, dtype=np.int64)
        if not everything:
            dlon = dlat / max(math.cos(math.radians(lat)), 0.01)
            pos = pos[np.abs(arrays.lon[pos] - lon) <= dlon]
        if pos.size >= k or everything:
            dist = haversine_m(arrays.lat[pos], arrays.lon[pos], lat, lon)
            part = np.argpartition(dist, k - 1)[:k] if k < dist.size else np.arange(dist.size)
            order = part[np.argsort(dist[part], kind="stable")]
            if everything or (order.size >= k and dist[order[-1]] <= reach):
                break
        reach *= 4.0
    chosen = pos[order]
    d = dist[order]
    bearing = bearings_deg(arrays.lat[chosen], arrays.lon[chosen], lat, lon)
    off = np.abs((bearing - arrays.direction[chosen] + 180.0) % 360.0 - 180.0)
    out = []
    for j, i in enumerate(chosen.tolist()):
        at_cam = bool(d[j] < AT_CAMERA_M)
        fov = float(arrays.fov[i])
        off_j = 0.0 if at_cam else float(off[j])
        out.append(
            NearCamera(
                row=int(arrays.order[i]),
                distance_m=float(d[j]),
                bearing_deg=float(bearing[j]),
                angle_off_axis_deg=off_j,
                range_m=float(arrays.range_m[i]),
                fov_deg=fov,
                in_range=bool(d[j] <= arrays.range_m[i]),
                in_cone=at_cam or fov >= 360.0 or off_j <= fov / 2.0 + EDGE_EPS_DEG,
            )
        )
    return out


def haversine_m(lats: FloatArray, lons: FloatArray, lat: float, lon: float) -> FloatArray:
    """Great-circle distances in metres from arrays of points to one point (mean Earth radius)."""
    p1 = np.radians(lats)
    p2 = math.radians(lat)
    dp = p2 - p1
    dl = math.radians(lon) - np.radians(lons)
    a = np.sin(dp / 2) ** 2 + np.cos(p1) * math.cos(p2) * np.sin(dl / 2) ** 2
    return np.asarray(2.0 * EARTH_RADIUS_M * np.arcsin(np.sqrt(np.minimum(1.0, a))), dtype=np.float64)


def bearings_deg(lats: FloatArray, lons: FloatArray, lat: float, lon: float) -> FloatArray:
    """Initial bearings from arrays of points to one point, degrees clockwise from north in [0, 360)."""
    p1 = np.radians(lats)
    p2 = math.radians(lat)
    dl = math.radians(lon) - np.radians(lons)
    y = np.sin(dl) * math.cos(p2)
    x = np.cos(p1) * math.sin(p2) - np.sin(p1) * math.cos(p2) * np.cos(dl)
    return np.asarray(np.degrees(np.arctan2(y, x)) % 360.0, dtype=np.float64)
