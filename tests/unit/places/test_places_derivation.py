"""The packaged city profiles are reproducible: ``tools/derive_city_profiles.py`` run on the shared public data writes
byte-identical files. Skips where the shared data (or the tool's shapely dependency) is absent."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from rtcc.places.loader import packaged_profiles, profile_folder
from rtcc_testing import shared_data

ROOT = Path(__file__).resolve().parents[3]


def test_the_tool_rewrites_identical_profiles(tmp_path: Path) -> None:
    data = shared_data("geo", "police_districts")
    pytest.importorskip("shapely")
    subprocess.run(
        [sys.executable, str(ROOT / "tools" / "derive_city_profiles.py"), "--data", str(data.parents[1]),
         "--out", str(tmp_path)],
        check=True, capture_output=True,
    )  # fmt: skip
    for slug in packaged_profiles():
        shipped = profile_folder(slug)
        names = sorted(p.name for p in shipped.iterdir())
        assert sorted(p.name for p in (tmp_path / slug).iterdir()) == names
        for name in names:
            assert (tmp_path / slug / name).read_bytes() == (shipped / name).read_bytes(), f"{slug}/{name}"
